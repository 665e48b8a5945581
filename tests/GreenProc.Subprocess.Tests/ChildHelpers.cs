using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GreenProc.Subprocess.Tests;

/// <summary>How tests start the purpose-built child (tests/GreenProc.TestChild) and inspect processes.</summary>
internal static class ChildHelpers
{
    public static readonly string TestChildDll = Path.Combine(AppContext.BaseDirectory, "GreenProc.TestChild.dll");

    /// <summary>`dotnet GreenProc.TestChild.dll mode args...`.</summary>
    public static string[] Child(params string[] args) => ["dotnet", TestChildDll, .. args];

    public static byte Pattern(long i) => (byte)(i * 31 + 7);

    /// <summary>The fd numbers a process has open, from /proc.</summary>
    public static int[] OpenFds(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Select(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();

    public static int OpenFdCount() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>Whether the pid is gone or reaped (not running, not a zombie).</summary>
    public static bool IsGone(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return false; // present: running or a zombie
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return true;
        }
    }

    public static char State(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }

    public static IReadOnlyList<string> Sh(string script) => ["sh", "-c", script];

    /// <summary>Kills (and disposes) the child when the test leaves its scope, also when an assertion failed.</summary>
    public static KillOnDispose Killing(this Popen popen) => new(popen);
}

/// <summary>See <see cref="ChildHelpers.Killing"/>.</summary>
internal readonly struct KillOnDispose(Popen popen) : IDisposable
{
    public void Dispose()
    {
        popen.Kill(); // a no-op once reaped
        popen.Dispose();
    }
}
