// GreenProc.Bench, process-pool modes (bench/run.sh keys pool_*; figures in docs/BENCHMARKS.md, "Process pool"), the
// GreenProc side of the Python anchors in ../shared/bench/pool (multiprocessing.Pool, ProcessPoolExecutor, pebble,
// billiard). W workers (default 2) and a trivial task, Square(x) = x * x, unless said otherwise:
//   ppool_submit N [W]           N x SubmitAsync(Square, i), all in flight, awaited together (µs per task); the
//                                caller has no hub (the pool runs its own hub thread)     (mp_pool.py apply_async N)
//   ppool_submit_green N [W]     the same from a greenlet: the pool lives on the caller's hub
//   ppool_map1 N [W]             MapAsync(Square, 0..N-1, ChunkSize = 1)                  (mp_pool.py map1 N)
//   ppool_map N [W]              MapAsync(Square, 0..N-1), the default chunking           (mp_pool.py map N)
//   ppool_map_green N [W]        the same from a greenlet
//                                The maps take GREENPROC_BENCH_POOL_CHUNK (ChunkSize; ppool_map1: 1) and
//                                GREENPROC_BENCH_POOL_MAX_IN_FLIGHT (MaxInFlight) from the environment.
//   ppool_start N [W]            N x (new ProcessPool(W) -> WaitReadyAsync), one cold start apart; also the first
//                                SubmitAsync's result and DisposeAsync (info)    (gipc_hello: a bare `dotnet Hello.dll`)
//   ppool_start_green N [W]      the same inside Green.Run
//   ppool_crash                  2 workers, 6 one-second tasks, a busy worker SIGKILLed 0.3 s in: each task's fate and
//                                a later submit's; then a 30 s task with a 0.5 s timeout, and a submit after it (crash.py)
//   ppool_lazy                   Imap(Identity) over an endless input; the consumer takes 3 results, then waits 1 s:
//                                how many items were read; cold (a method the pool has not timed) and warm    (lazy.py)
// The throughput modes warm both sides up first (the parent and the workers JIT their hot paths; rounds until the
// time is spent and two rounds agree, as WarmUp does), then time GREENPROC_BENCH_POOL_ROUNDS rounds (default 3) on the
// same pool and report the median round, with the CPU time of the parent and of the workers per task (where the time
// goes: /proc/<pid>/stat of this process's children, 10 ms ticks, so only rounds of 0.1 s and more say much).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Bench;

internal static partial class Program
{
    // ---------------------------------------------------------------- tasks (run in the workers)

    private static int Square(int x) => x * x;

    private static int Identity(int x) => x;

    private static (int X, int Pid) SleepOneSecond(int x)
    {
        Thread.Sleep(1000);
        return (x, Environment.ProcessId);
    }

    private static int SleepIgnoringToken(int seconds)
    {
        Thread.Sleep(TimeSpan.FromSeconds(seconds)); // never looks at a token: the pool must kill its worker
        return seconds;
    }

    // ---------------------------------------------------------------- (a, b) per-task overhead

    private static int PoolRounds()
    {
        string? env = Environment.GetEnvironmentVariable("GREENPROC_BENCH_POOL_ROUNDS");
        return env is not null ? int.Parse(env, CultureInfo.InvariantCulture) : 3;
    }

    /// <summary>ppool_submit, ppool_map1, ppool_map (and their _green forms): warm-up, then timed rounds on one pool.</summary>
    private static void PoolThroughput(string mode, int n, int workers)
    {
        int? chunk = EnvInt("GREENPROC_BENCH_POOL_CHUNK");
        int? maxInFlight = EnvInt("GREENPROC_BENCH_POOL_MAX_IN_FLIGHT");
        bool green = mode.EndsWith("_green", StringComparison.Ordinal);
        string kind = green ? mode[..^"_green".Length] : mode;
        int[] items = Enumerable.Range(0, n).ToArray();
        long expected = 0;
        foreach (int i in items)
        {
            expected += i * i; // int overflow wraps the same way in the worker
        }

        async Task<(double Seconds, long Sum)> RoundAsync(ProcessPool pool, int count)
        {
            ArraySegment<int> input = new(items, 0, count);
            long t0 = Stopwatch.GetTimestamp();
            long sum = 0;
            if (kind == "ppool_submit")
            {
                var tasks = new Task<int>[count];
                for (int i = 0; i < count; i++)
                {
                    tasks[i] = pool.SubmitAsync(Square, items[i]);
                }

                foreach (int r in await Task.WhenAll(tasks))
                {
                    sum += r;
                }
            }
            else
            {
                var options = new ProcessPoolMapOptions { ChunkSize = kind == "ppool_map1" ? 1 : chunk, MaxInFlight = maxInFlight };
                foreach (int r in await pool.MapAsync(Square, input, options))
                {
                    sum += r;
                }
            }

            return (Stopwatch.GetElapsedTime(t0).TotalSeconds, sum);
        }

        async Task<PoolResult> BodyAsync()
        {
            await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = workers });
            await pool.WaitReadyAsync();
            Warm warm = await PoolWarmUpAsync(n, async k => (await RoundAsync(pool, k)).Seconds);
            int[] children = ChildPids();
            var rounds = new List<(double Seconds, double ParentCpu, double WorkersCpu)>();
            Alloc alloc = Alloc.Start();
            for (int r = 0; r < PoolRounds(); r++)
            {
                TimeSpan cpu0 = Environment.CpuUsage.TotalTime;
                long w0 = CpuTicks(children);
                (double seconds, long sum) = await RoundAsync(pool, n);
                double parentCpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
                double workersCpu = (CpuTicks(children) - w0) / 100.0; // USER_HZ
                if (sum != expected)
                {
                    throw new InvalidOperationException($"{mode}: the results add up to {sum}, not {expected}");
                }

                rounds.Add((seconds, parentCpu, workersCpu));
            }

            alloc.Stop();
            return new PoolResult(warm, rounds, alloc);
        }

        PoolResult result = green ? Green.Run(BodyAsync) : BodyAsync().GetAwaiter().GetResult();
        var sorted = result.Rounds.OrderBy(r => r.Seconds).ToList();
        (double seconds, double parentCpu, double workersCpu) = sorted[sorted.Count / 2];
        Emit(w =>
        {
            Head(w, mode, n);
            w.WriteNumber("workers", workers);
            w.WriteString("caller", green ? "greenlet (the pool on the caller's hub)" : "no hub (the pool's own hub thread)");
            if (kind != "ppool_submit")
            {
                w.WriteString("chunk", kind == "ppool_map1" ? "1" : chunk?.ToString(CultureInfo.InvariantCulture) ?? "default");
                w.WriteString("max_in_flight", maxInFlight?.ToString(CultureInfo.InvariantCulture) ?? "default");
            }

            w.WriteNumber("seconds", Math.Round(seconds, 4));
            w.WriteNumber("us_per_task", Math.Round(seconds / n * 1e6, 3));
            w.WriteNumber("tasks_per_s", Math.Round(n / seconds));
            w.WriteNumber("parent_cpu_us_per_task", Math.Round(parentCpu / n * 1e6, 3));
            w.WriteNumber("workers_cpu_us_per_task", Math.Round(workersCpu / n * 1e6, 3));
            w.WriteStartArray("rounds_us_per_task");
            foreach ((double s, _, _) in result.Rounds)
            {
                w.WriteNumberValue(Math.Round(s / n * 1e6, 3));
            }

            w.WriteEndArray();
            result.Warm.Write(w, n, "tasks_per_s");
            result.Alloc.Write(w, (long)n * result.Rounds.Count, "task");
        });
    }

    private static int? EnvInt(string name)
        => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;

    private sealed record PoolResult(Warm Warm, List<(double Seconds, double ParentCpu, double WorkersCpu)> Rounds, Alloc Alloc);

    /// <summary>
    /// WarmUp's schedule, awaited on one pool (so the workers warm up too, and the pool keeps its measured task times):
    /// short rounds (N/20), then full rounds for at least the budget (GREENPROC_BENCH_WARMUP_S, default 2.5 s, 6 s on one
    /// CPU, where the tiered JIT waits 10x longer), then until two in a row agree within 5 % (at most 5 more).
    /// </summary>
    private static async Task<Warm> PoolWarmUpAsync(int n, Func<int, Task<double>> round)
    {
        bool oneCpu = Environment.ProcessorCount == 1;
        string? env = Environment.GetEnvironmentVariable("GREENPROC_BENCH_WARMUP_S");
        double budget = env is not null ? double.Parse(env, CultureInfo.InvariantCulture) : oneCpu ? 6.0 : 2.5;
        var times = new List<double>();
        long t0 = Stopwatch.GetTimestamp();
        int small = Math.Max(n / 20, 100);
        for (int k = 0; k < 30 && Stopwatch.GetElapsedTime(t0).TotalSeconds < budget / 2; k++)
        {
            double t = await round(small);
            if (k == 0)
            {
                times.Add(t * n / small); // the cold round, scaled to N
            }
        }

        int extra = 0;
        for (int k = 0; k < 200; k++)
        {
            times.Add(await round(n));
            if (s_verbose)
            {
                Console.Error.WriteLine($"pool warm-up {k}: {times[^1] / n * 1e6:F3} µs/task, parent JIT {System.Runtime.JitInfo.GetCompiledMethodCount()}");
            }

            if (Stopwatch.GetElapsedTime(t0).TotalSeconds < budget)
            {
                continue;
            }

            if ((times.Count >= 3 && Math.Abs(times[^1] - times[^2]) <= 0.05 * times[^2]) || ++extra >= 5)
            {
                break;
            }
        }

        return new Warm(times);
    }

    /// <summary>This process's children (the pool's workers), from /proc/self/task/*/children.</summary>
    private static int[] ChildPids()
    {
        var pids = new List<int>();
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                foreach (string pid in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    pids.Add(int.Parse(pid, CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return [.. pids];
    }

    /// <summary>utime + stime of the given processes, in clock ticks (USER_HZ, 100 a second).</summary>
    private static long CpuTicks(int[] pids)
    {
        long ticks = 0;
        foreach (int pid in pids)
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from 3 (state) on
                ticks += long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture); // 14 utime, 15 stime
            }
            catch (IOException)
            {
                // it exited
            }
        }

        return ticks;
    }

    // ---------------------------------------------------------------- (c) start

    /// <summary>ppool_start N [W]: N + 1 x (new pool, WaitReadyAsync, first result, DisposeAsync); the first is cold.</summary>
    private static void PoolStart(string mode, int n, int workers)
    {
        bool green = mode.EndsWith("_green", StringComparison.Ordinal);
        var ready = new List<double>();
        var first = new List<double>();
        var disposed = new List<double>();
        async Task<int> BodyAsync()
        {
            for (int i = 0; i <= n; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                var pool = new ProcessPool(new ProcessPoolOptions { Workers = workers });
                await pool.WaitReadyAsync();
                ready.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                int r = await pool.SubmitAsync(Square, 3);
                first.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                long t1 = Stopwatch.GetTimestamp();
                await pool.DisposeAsync();
                disposed.Add(Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
                if (r != 9)
                {
                    throw new InvalidOperationException("wrong first result");
                }
            }

            return 0;
        }

        _ = green ? Green.Run(BodyAsync) : BodyAsync().GetAwaiter().GetResult();
        Emit(w =>
        {
            Head(w, mode, n);
            w.WriteNumber("workers", workers);
            w.WriteString("caller", green ? "greenlet" : "no hub");
            w.WriteNumber("ms", Math.Round(Median(ready.Skip(1)), 2));
            w.WriteNumber("ms_min", Math.Round(ready.Skip(1).Min(), 2));
            w.WriteNumber("ms_first_result", Math.Round(Median(first.Skip(1)), 2));
            w.WriteNumber("ms_dispose", Math.Round(Median(disposed.Skip(1)), 2));
            w.WriteNumber("cold_ms", Math.Round(ready[0], 2));
            w.WriteNumber("cold_ms_first_result", Math.Round(first[0], 2));
            w.WriteStartArray("all_ms");
            foreach (double t in ready)
            {
                w.WriteNumberValue(Math.Round(t, 2));
            }

            w.WriteEndArray();
        });
    }

    // ---------------------------------------------------------------- (d) crash drill

    /// <summary>
    /// ppool_crash (crash.py's scenario): 2 workers, 6 one-second tasks (2 running, 4 queued), one busy worker SIGKILLed
    /// 0.3 s in; each task's fate (seconds since the submits), a task submitted afterwards; then a task that sleeps 30 s
    /// ignoring its token, with a 0.5 s timeout, and a task submitted after that.
    /// </summary>
    private static void PoolCrash()
    {
        var report = new Dictionary<string, object>();
        Task.Run(async () =>
        {
            await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
            await pool.SubmitAsync(SleepOneSecond, -1); // both sides warm, as crash.py does
            long t0 = Stopwatch.GetTimestamp();
            Task<(int X, int Pid)>[] tasks = Enumerable.Range(0, 6).Select(i => pool.SubmitAsync(SleepOneSecond, i)).ToArray();
            await Task.Delay(300);
            int victim = ChildPids().Min();
            using (Process p = Process.GetProcessById(victim))
            {
                p.Kill();
            }

            var fates = new List<string>();
            foreach (Task<(int X, int Pid)> t in tasks)
            {
                fates.Add(await Fate(t, t0, r => $"ok {r.X}" + (r.Pid == victim ? " (on the killed worker?!)" : "")));
            }

            report["killed_pid"] = victim;
            report["tasks"] = fates;
            report["tasks_done_s"] = Math.Round(Stopwatch.GetElapsedTime(t0).TotalSeconds, 2);
            long t1 = Stopwatch.GetTimestamp();
            report["after"] = await Fate(pool.SubmitAsync(SleepOneSecond, 99), t1, r => $"ok {r.X}");

            long t2 = Stopwatch.GetTimestamp();
            report["timeout_task"] = await Fate(pool.SubmitAsync(SleepIgnoringToken, 30, TimeSpan.FromSeconds(0.5)), t2, r => $"ok {r}");
            long t3 = Stopwatch.GetTimestamp();
            report["after_timeout"] = await Fate(pool.SubmitAsync(SleepOneSecond, 98), t3, r => $"ok {r.X}");
        }).GetAwaiter().GetResult();
        Emit(w =>
        {
            Head(w, "ppool_crash", 6);
            w.WriteString("system", "GreenProc");
            foreach ((string key, object value) in report)
            {
                switch (value)
                {
                    case List<string> list:
                        w.WriteStartArray(key);
                        foreach (string s in list)
                        {
                            w.WriteStringValue(s);
                        }

                        w.WriteEndArray();
                        break;
                    case string s:
                        w.WriteString(key, s);
                        break;
                    case int i:
                        w.WriteNumber(key, i);
                        break;
                    case double d:
                        w.WriteNumber(key, d);
                        break;
                }
            }
        });
    }

    /// <summary>How a task ended, crash.py's way: "ok ..." or the exception's type, with the seconds since <paramref name="t0"/>.</summary>
    private static async Task<string> Fate<T>(Task<T> task, long t0, Func<T, string> ok)
    {
        try
        {
            return ok(await task);
        }
        catch (Exception e)
        {
            string detail = e switch
            {
                WorkerCrashedException c => $" (pid {c.Pid}, signal {c.Signal})",
                ProcessPoolTimeoutException t => t.WorkerKilled ? " (worker killed)" : " (stopped by its token)",
                _ => "",
            };
            return $"{e.GetType().Name}{detail} (after {Stopwatch.GetElapsedTime(t0).TotalSeconds:F1}s)";
        }
    }

    // ---------------------------------------------------------------- (e) read-ahead drill

    /// <summary>
    /// ppool_lazy (lazy.py's scenario): Imap(Identity) over an endless input with 2 workers; the consumer takes 3 results
    /// and then waits 1 s with the map open: how many items were read. Once with a method the pool has not timed yet
    /// (cold: chunks start at 1), once more on the same pool (warm: the chunk size follows the measured task time).
    /// </summary>
    private static void PoolLazy()
    {
        var rows = new List<(string Phase, long AfterThree, long AfterWait, double FirstMs)>();
        Task.Run(async () =>
        {
            await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
            await pool.WaitReadyAsync();
            foreach (string phase in new[] { "cold", "warm" })
            {
                long read = 0;
                IEnumerable<int> Endless()
                {
                    for (int i = 0; ; i++)
                    {
                        Interlocked.Increment(ref read);
                        if (read > 2_000_000)
                        {
                            yield break; // lazy.py's cap, so that an eager pool ends too
                        }

                        yield return i;
                    }
                }

                long t0 = Stopwatch.GetTimestamp();
                double firstMs = 0;
                await using (IAsyncEnumerator<int> e = pool.Imap(Identity, Endless()).GetAsyncEnumerator())
                {
                    for (int k = 0; k < 3; k++)
                    {
                        if (!await e.MoveNextAsync() || e.Current != k)
                        {
                            throw new InvalidOperationException("Imap returned the wrong item");
                        }

                        if (k == 0)
                        {
                            firstMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        }
                    }

                    long afterThree = Interlocked.Read(ref read);
                    await Task.Delay(1000);
                    rows.Add((phase, afterThree, Interlocked.Read(ref read), firstMs));
                }
            }
        }).GetAwaiter().GetResult();
        Emit(w =>
        {
            Head(w, "ppool_lazy", 3);
            foreach ((string phase, long afterThree, long afterWait, double firstMs) in rows)
            {
                w.WriteNumber($"{phase}_read_after_3", afterThree);
                w.WriteNumber($"{phase}_read_after_3_and_1s", afterWait);
                w.WriteNumber($"{phase}_first_result_ms", Math.Round(firstMs, 2));
            }
        });
    }
}
