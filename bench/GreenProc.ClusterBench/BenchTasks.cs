using System;
using System.Threading;
using GreenProc.Cluster;

namespace GreenProc.ClusterBench;

/// <summary>The tasks of the benchmark: run in worker processes (the local pool's, or a silo's node pool's); the silos
/// register all of them (their allow-list).</summary>
internal static class BenchTasks
{
    /// <summary>How long <see cref="SleepIdentity"/> sleeps: the recovery drill's "slow-ish" task (a sleep, so that the
    /// drill's timing does not depend on how busy the two CPUs are).</summary>
    public const int SleepMs = 50;

    /// <summary>The trivial task of the overhead cases (as bench/GreenProc.Bench's pool modes).</summary>
    public static int Square(int x) => x * x;

    /// <summary>CPU-bound work: <paramref name="iterations"/> steps of a 64-bit LCG and xorshift, which the JIT cannot fold
    /// (each step needs the last). The number of steps for ~1 ms is calibrated once (the <c>calibrate</c> mode) and
    /// given to both sides.</summary>
    public static long Work(long iterations)
    {
        ulong x = 0x9E3779B97F4A7C15UL ^ (ulong)iterations;
        for (long i = 0; i < iterations; i++)
        {
            x = (x * 6364136223846793005UL) + 1442695040888963407UL;
            x ^= x >> 29;
        }

        return (long)(x & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    /// <summary>The recovery drill's task: sleeps <see cref="SleepMs"/>, returns its argument.</summary>
    public static int SleepIdentity(int x)
    {
        Thread.Sleep(SleepMs);
        return x;
    }

    public static void Register(ClusterNodeOptions node)
    {
        node.AddTask<int, int>(Square)
            .AddTask<long, long>(Work)
            .AddTask<int, int>(SleepIdentity);
    }
}
