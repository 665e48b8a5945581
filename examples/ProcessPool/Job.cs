using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Ipc;
using Spectre.Console;

namespace ProcessPoolDemo;

/// <summary>The two runs of the demo: one worker on a sample, then every worker on the whole job.</summary>
public static class Job
{
    /// <summary>
    /// One worker's speed: a 1-worker pool maps the task over the sample (<see cref="ProcessPool.MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, System.Threading.CancellationToken)"/>,
    /// with the pool's own progress reports driving the bar).
    /// </summary>
    public static async Task<JobRun> RunOneWorkerAsync(PrimeRange[] sample, ProgressTask bar)
    {
        long t0 = Stopwatch.GetTimestamp();
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 1 });
        await pool.WaitReadyAsync();
        TimeSpan ready = Stopwatch.GetElapsedTime(t0);

        long t1 = Stopwatch.GetTimestamp();
        RangeCount[] results = await pool.MapAsync(Primes.CountRange, sample, new ProcessPoolMapOptions { Progress = new BarProgress(bar) });
        TimeSpan elapsed = Stopwatch.GetElapsedTime(t1);
        return new JobRun(results, elapsed, ready, results.Sum(r => r.Divisions));
    }

    /// <summary>
    /// The whole job on <paramref name="workers"/> workers: every range is one <see cref="ProcessPool.SubmitAsync{TArg, TResult}(Func{TArg, TResult}, TArg, TimeSpan?, System.Threading.CancellationToken)"/>,
    /// all in flight at once, taken as they finish. With <paramref name="killAWorker"/>, halfway through, a worker is
    /// SIGKILLed; the task it ran fails alone with <see cref="WorkerCrashedException"/> and is submitted again.
    /// </summary>
    /// <returns>The run, and the pid killed (if any).</returns>
    public static async Task<(JobRun Run, int? Killed)> RunAllAsync(PrimeRange[] ranges, int workers, bool killAWorker, ProgressTask bar, ConcurrentQueue<Crash> crashes)
    {
        long t0 = Stopwatch.GetTimestamp();
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = workers });
        await pool.WaitReadyAsync();
        TimeSpan ready = Stopwatch.GetElapsedTime(t0);

        long t1 = Stopwatch.GetTimestamp();
        Task<RangeCount>[] tasks = ranges.Select(r => CountWithRetryAsync(pool, r, crashes)).ToArray();
        var results = new RangeCount[ranges.Length];
        var lastResult = new Dictionary<int, int>(); // worker pid -> when its latest result came (in results)
        int done = 0;
        int? killed = null;
        bool killTried = false;
        await foreach (Task<RangeCount> task in Task.WhenEach(tasks))
        {
            RangeCount r = await task;
            results[r.Index] = r;
            lastResult[r.Pid] = ++done;
            bar.Increment(1);
            if (killAWorker && !killTried && done >= ranges.Length / 2)
            {
                killTried = true;
                int pid = Victim(lastResult, r.Pid);
                try
                {
                    using Process victim = Process.GetProcessById(pid);
                    victim.Kill(); // SIGKILL, as the OOM killer or `kill -9` would
                    killed = pid;
                    bar.Description += $" [red](killed worker {pid})[/]";
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // it had exited already: nothing to kill (the report then says no worker was killed)
                }
            }
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(t1);
        return (new JobRun(results, elapsed, ready, results.Sum(r => r.Divisions)), killed);
    }

    /// <summary>
    /// A busy worker to kill: not the one that just answered (it may be between two tasks), but the one that answered
    /// longest ago, which is the likeliest to be in the middle of one. With one worker there is no choice.
    /// </summary>
    private static int Victim(Dictionary<int, int> lastResult, int justAnswered)
    {
        int victim = justAnswered;
        int oldest = int.MaxValue;
        foreach ((int pid, int when) in lastResult)
        {
            if (pid != justAnswered && when < oldest)
            {
                (victim, oldest) = (pid, when);
            }
        }

        return victim;
    }

    /// <summary>A task whose worker died is the only one that fails: submitting it again is up to the caller (here: at
    /// most twice, so that a task that kills its worker every time cannot loop for ever).</summary>
    private static async Task<RangeCount> CountWithRetryAsync(ProcessPool pool, PrimeRange range, ConcurrentQueue<Crash> crashes)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await pool.SubmitAsync(Primes.CountRange, range);
            }
            catch (WorkerCrashedException e) when (attempt < 3)
            {
                crashes.Enqueue(new Crash(range.Index, e.Pid, e.Signal));
            }
        }
    }

    /// <summary>The pool's progress reports (from its hub thread, at most every 100 ms) moved to a bar (thread-safe).</summary>
    private sealed class BarProgress(ProgressTask bar) : IProgress<ProcessPoolProgress>
    {
        public void Report(ProcessPoolProgress value) => bar.Value = value.Completed + value.Failed;
    }
}
