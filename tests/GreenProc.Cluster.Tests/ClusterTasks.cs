using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Cluster.Tests;

/// <summary>The tasks the test nodes register (their allow-list), run in the nodes' worker processes.</summary>
internal static class ClusterTasks
{
    public static int Square(int x) => x * x;

    public static int Pid(int _) => Environment.ProcessId;

    public static async Task<string> EchoAsync(string s)
    {
        await Task.Yield();
        return s;
    }

    public static async Task<long> NegateAsync(long x, CancellationToken token)
    {
        await Task.Yield();
        token.ThrowIfCancellationRequested();
        return -x;
    }

    public static int FailAtFive(int x) => x == 5 ? throw new ArgumentException("item 5 is bad") : x;

    public static int CrashOnThree(int x)
    {
        if (x == 3)
        {
            Environment.FailFast("task 3 crashes its worker");
        }

        return x;
    }

    /// <summary>A task of some length (a workload, not a synchronisation: the tests wait on results, never on time).</summary>
    public static int SlowIdentity(int x)
    {
        Thread.Sleep(40);
        return x;
    }

    /// <summary>Runs until its token fires (a timeout or a cancellation), then says so.</summary>
    public static int WaitForCancel(int x, CancellationToken token)
    {
        token.WaitHandle.WaitOne();
        token.ThrowIfCancellationRequested();
        return x;
    }

    /// <summary>Writes its file, then runs until cancelled: the test waits for the file to know the task runs.</summary>
    public static int TouchThenWaitForCancel(string path, CancellationToken token)
    {
        File.WriteAllText(path, "running");
        token.WaitHandle.WaitOne();
        token.ThrowIfCancellationRequested();
        return 0;
    }

    /// <summary>Not registered on any node.</summary>
    public static int Unregistered(int x) => x;

    public static void Register(ClusterNodeOptions node)
    {
        node.AddTask<int, int>(Square)
            .AddTask<int, int>(Pid)
            .AddTask<string, string>(EchoAsync)
            .AddTask<long, long>(NegateAsync)
            .AddTask<int, int>(FailAtFive)
            .AddTask<int, int>(CrashOnThree)
            .AddTask<int, int>(SlowIdentity)
            .AddTask<int, int>(WaitForCancel)
            .AddTask<string, int>(TouchThenWaitForCancel);
    }
}
