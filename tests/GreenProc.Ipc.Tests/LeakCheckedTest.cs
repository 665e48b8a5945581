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
/// <see cref="SerialGipcTests"/> collection, so that no other test opens or closes fds or starts children meanwhile).
/// Handles are pipes and sockets; the runtime opens files (assemblies, symbols) lazily, which are not ours to count.
/// Child processes are counted too (issue 17's accounting): a test must leave no child running and no zombie.
/// </summary>
public abstract class LeakCheckedTest : HubTestBase, IDisposable
{
    // First: what lives as long as the process is made before the baseline is taken (see ProcessWideHelpers).
    private readonly bool _warm = ProcessWideHelpers.Started;
    private readonly string[] _pipesBefore = OpenPipes();
    private readonly string[] _childrenBefore = ProcessCensus.Children();

    public void Dispose()
    {
        string[] leaked = OpenPipes().Except(_pipesBefore).ToArray();
        Assert.True(leaked.Length == 0, "the test left fds open: " + string.Join(", ", leaked.Select(WithFlags)));
        string[] children = ProcessCensus.NewSince(_childrenBefore);
        Assert.True(children.Length == 0, "the test left child processes (pid, name, state; Z is a zombie, never reaped): " + string.Join(", ", children));
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

/// <summary>
/// The process-wide helpers pools bring up (the orphan reaper's wake pipe, at a pool's first kill; .NET's console
/// signal pipe and the stderr stream workers' output is copied to, at a pool's first worker) are made before the
/// first test of any class counts descriptors: they live as long as the process, and are not a test's leak. Not in
/// <see cref="LeakCheckedTest"/>'s own static constructor: child processes call its static helpers, on their hub.
/// </summary>
internal static class ProcessWideHelpers
{
    static ProcessWideHelpers()
    {
        using var warm = new ProcessPool(new ProcessPoolOptions { Workers = 1 });
        warm.SubmitAsync(PoolTasks.WriteToStderr, "(a worker's stderr reaches this process's stderr)").Wait(TimeSpan.FromSeconds(60));
        var abandoned = GreenProc.Subprocess.Popen.Start(["sleep", "30"]);
        abandoned.Dispose(); // disposed while it runs: the orphan reaper takes it (and starts, if it had not)
        Interop.Kill(abandoned.Pid, 9);
    }

    /// <summary>True once the helpers exist (reading it runs the static constructor once).</summary>
    public static bool Started => true;
}
