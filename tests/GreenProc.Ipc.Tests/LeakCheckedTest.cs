using System;
using System.IO;
using System.Linq;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>The collection of the leak-checked test classes: they run alone, since fds are per process.</summary>
[CollectionDefinition(nameof(SerialGipcTests), DisableParallelization = true)]
public sealed class SerialGipcTests
{
}

/// <summary>
/// gipc's suite fails any test that leaves a handle open; so does every class derived from this one (put it in the
/// <see cref="SerialGipcTests"/> collection, so that no other test opens or closes fds meanwhile). Handles are pipes
/// and sockets; the runtime opens files (assemblies, symbols) lazily, which are not ours to count.
/// </summary>
public abstract class LeakCheckedTest : HubTestBase, IDisposable
{
    private readonly string[] _pipesBefore = OpenPipes();

    public void Dispose()
    {
        string[] leaked = OpenPipes().Except(_pipesBefore).ToArray();
        Assert.True(leaked.Length == 0, "the test left fds open: " + string.Join(", ", leaked.Select(WithFlags)));
        GC.SuppressFinalize(this);
    }

    /// <summary>"fd -> target (flags 02004001)": the open flags tell a read end from a write end, blocking or not.</summary>
    private static string WithFlags(string entry)
    {
        try
        {
            string fd = entry[..entry.IndexOf(' ', StringComparison.Ordinal)];
            string flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}")[1].Replace("flags:", "", StringComparison.Ordinal).Trim();
            return $"{entry} (flags {flags})";
        }
        catch (IOException)
        {
            return entry;
        }
    }

    /// <summary>The pipes and sockets this process holds, as their /proc link targets ("pipe:[inode]").</summary>
    internal static string[] PipeTargets() => OpenPipeFds().Select(p => p.Target).ToArray();

    private static string[] OpenPipes() => OpenPipeFds().Select(p => $"{p.Fd} -> {p.Target}").ToArray();

    private static (string Fd, string Target)[] OpenPipeFds() => Directory.GetFiles("/proc/self/fd")
        .Select(fd =>
        {
            try
            {
                return (Path.GetFileName(fd), new FileInfo(fd).LinkTarget ?? "");
            }
            catch (IOException)
            {
                return (Path.GetFileName(fd), ""); // closed meanwhile
            }
        })
        .Where(p => p.Item2.StartsWith("pipe:", StringComparison.Ordinal) || p.Item2.StartsWith("socket:", StringComparison.Ordinal))
        .ToArray();
}
