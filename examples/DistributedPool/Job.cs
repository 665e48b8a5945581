using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster;
using GreenProc.Ipc;

namespace DistributedPoolDemo;

/// <summary>The job: every range mapped across the nodes, results taken as they come.</summary>
public static class Job
{
    /// <summary>One task per chunk: each is long enough (tens of milliseconds and up) that a call per task costs nothing.</summary>
    public const int ChunkSize = 1;

    /// <summary>
    /// Runs every range on the cluster (<see cref="DistributedPool.ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>),
    /// with the pool's progress reports driving the live line. With <paramref name="killASilo"/>, once half the results
    /// are in (counted here, not timed), a non-primary silo is SIGKILLed; the pool finds its node gone within its
    /// NodeTimeout, sends the chunks it held to the other nodes, and the map completes with every result.
    /// </summary>
    public static async Task<JobRun> RunAsync(DistributedPool pool, PrimeRange[] ranges, SiloCluster cluster, bool killASilo, ProgressLine line, CancellationToken cancellationToken)
    {
        var results = new RangeCount[ranges.Length];
        var answered = new bool[ranges.Length];
        int fed = 0; // ranges the pool has read from the input (in order), so the ones in flight are those read and not answered
        int done = 0;
        SiloKill? kill = null;
        var clock = Stopwatch.StartNew();

        IEnumerable<PrimeRange> Input()
        {
            foreach (PrimeRange r in ranges)
            {
                Interlocked.Increment(ref fed);
                yield return r;
            }
        }

        var options = new ProcessPoolMapOptions
        {
            ChunkSize = ChunkSize,
            Progress = new Reporter(p =>
            {
                IReadOnlyList<ClusterNodeInfo> nodes = pool.Nodes;
                Volatile.Read(ref kill)?.Watch(nodes, clock.Elapsed);
                line.Update($"{ProgressLine.Bar(p.Completed, ranges.Length)} {p.Completed}/{ranges.Length} tasks  {p.Elapsed.TotalSeconds:F1} s  {nodes.Count} nodes  {p.InFlight} in flight");
            }),
        };

        await foreach (RangeCount r in pool.ImapUnordered<PrimeRange, RangeCount>(Primes.CountRange, Input(), options, cancellationToken))
        {
            results[r.Index] = r;
            answered[r.Index] = true;
            done++;
            kill?.Answered(r.Index, clock.Elapsed);
            if (killASilo && kill is null && done >= ranges.Length / 2)
            {
                int[] inFlight = Enumerable.Range(0, Volatile.Read(ref fed)).Where(i => !answered[i]).ToArray();
                Volatile.Write(ref kill, SiloKill.Run(cluster, pool.Nodes, done, clock.Elapsed, inFlight));
                ClusterNodeInfo? node = kill.VictimNode;
                line.Print($"killed:    silo {kill.Victim.Index} (pid {kill.Victim.Pid}) with SIGKILL after {done} of {ranges.Length} tasks, "
                    + $"{(node is null ? "its chunks in flight unknown" : Plural(node.ChunksInFlight, "chunk") + " in flight there")}");
            }
        }

        TimeSpan elapsed = clock.Elapsed;
        line.Finish();
        IReadOnlyList<ClusterNodeInfo> after = pool.Nodes;
        kill?.Watch(after, elapsed);
        return new JobRun(results, elapsed, kill, after);
    }

    public static string Plural(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count:N0} {noun}s";

    /// <summary>The pool's progress reports, handled on the thread that reports them (<see cref="Progress{T}"/> would post them for later).</summary>
    private sealed class Reporter(Action<ProcessPoolProgress> report) : IProgress<ProcessPoolProgress>
    {
        public void Report(ProcessPoolProgress value) => report(value);
    }
}
