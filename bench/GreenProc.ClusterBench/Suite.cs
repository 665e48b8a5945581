// The suite's cases (Program.cs lists them): the same calls on either side, timed rounds after a warm-up.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace GreenProc.ClusterBench;

internal static partial class Program
{
    private const string AllCases = "rtt_ping,rtt_submit,rtt_chunk16,rtt_chunk256,tput_c1,tput_c1_w16,tput_c16,tput_c16_w16,tput_c256,cpu_1ms,cpu_1ms_c1,cpu_10ms,idle";

    private const int Silos = 2;
    private const int WorkersPerSilo = 1;

    private static async Task SuiteAsync(string sideName, string cases)
    {
        double itersPerMs = ItersPerMs();
        ISide side = sideName == "local"
            ? await LocalSide.StartAsync(Silos * WorkersPerSilo).ConfigureAwait(false)
            : await ClusterSide.StartAsync(Silos, WorkersPerSilo).ConfigureAwait(false);
        await using (side.ConfigureAwait(false))
        {
            Emit(w =>
            {
                Head(w, "cluster_start", side.Name, 0);
                w.WriteString("layout", side.Layout);
                w.WriteNumber("start_s", R(side.StartSeconds));
            });
            foreach (string c in cases.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                switch (c)
                {
                    case "tput_c1":
                        await ThroughputAsync(side, c, Scaled(3_000), chunk: 1, chunksPerWorker: 2).ConfigureAwait(false);
                        break;
                    case "tput_c1_w16":
                        await ThroughputAsync(side, c, Scaled(6_000), chunk: 1, chunksPerWorker: 16).ConfigureAwait(false);
                        break;
                    case "tput_c16":
                        await ThroughputAsync(side, c, Scaled(40_000), chunk: 16, chunksPerWorker: 2).ConfigureAwait(false);
                        break;
                    case "tput_c16_w16":
                        await ThroughputAsync(side, c, Scaled(40_000), chunk: 16, chunksPerWorker: 16).ConfigureAwait(false);
                        break;
                    case "tput_c256":
                        await ThroughputAsync(side, c, Scaled(256_000), chunk: 256, chunksPerWorker: 2).ConfigureAwait(false);
                        break;
                    case "rtt_submit":
                        await LatencyAsync(side, c, Scaled(1_000), 0).ConfigureAwait(false);
                        break;
                    case "rtt_chunk16":
                        await LatencyAsync(side, c, Scaled(300), 16).ConfigureAwait(false);
                        break;
                    case "rtt_chunk256":
                        await LatencyAsync(side, c, Scaled(100), 256).ConfigureAwait(false);
                        break;
                    case "idle":
                        await IdleAsync(side, c, 3.0).ConfigureAwait(false);
                        break;
                    case "rtt_ping":
                        if (side is ClusterSide cluster)
                        {
                            await PingAsync(cluster, c, Scaled(2_000)).ConfigureAwait(false);
                        }

                        break;
                    case "cpu_1ms":
                        await CpuBoundAsync(side, c, Scaled(1_000), 1.0, chunk: null, itersPerMs).ConfigureAwait(false);
                        break;
                    case "cpu_1ms_c1":
                        await CpuBoundAsync(side, c, Scaled(1_000), 1.0, chunk: 1, itersPerMs).ConfigureAwait(false);
                        break;
                    case "cpu_10ms":
                        await CpuBoundAsync(side, c, Scaled(100), 10.0, chunk: null, itersPerMs).ConfigureAwait(false);
                        break;
                    default:
                        throw new FormatException($"unknown case '{c}' (known: {AllCases})");
                }
            }
        }
    }

    // ---------------------------------------------------------------- (a) throughput of trivial tasks

    private static async Task ThroughputAsync(ISide side, string name, int n, int chunk, int chunksPerWorker)
    {
        int[] items = Enumerable.Range(0, n).ToArray();
        long expected = items.Sum(i => (long)(i * i)); // int overflow wraps the same way in the worker

        async Task<double> Round(int count)
        {
            int[] input = count == n ? items : items[..count];
            long t0 = Stopwatch.GetTimestamp();
            int[] results = await side.MapAsync<int, int>(BenchTasks.Square, input, chunk, chunksPerWorker).ConfigureAwait(false);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (count == n && results.Sum(r => (long)r) != expected)
            {
                throw new InvalidOperationException($"{name}: wrong results");
            }

            return dt;
        }

        Rounds rounds = await MeasureAsync(side, n, Round, minRounds: 3, minSeconds: 1.0).ConfigureAwait(false);
        double seconds = rounds.Median;
        Emit(w =>
        {
            Head(w, "cluster_" + name, side.Name, n);
            w.WriteNumber("workers", side.Workers);
            w.WriteNumber("chunk", chunk);
            w.WriteNumber("chunks_per_worker", side is ClusterSide ? chunksPerWorker : 0);
            w.WriteNumber("seconds", R(seconds, 4));
            w.WriteNumber("us_per_task", R(seconds / n * 1e6));
            w.WriteNumber("tasks_per_s", Math.Round(n / seconds));
            w.WriteNumber("us_per_chunk", R(seconds / n * chunk * 1e6));
            rounds.WriteCpu(w, n, chunk);
        });
    }

    // ---------------------------------------------------------------- background

    /// <summary>The CPU the side burns doing nothing for <paramref name="seconds"/> (heartbeats, Orleans' own timers): the
    /// floor under the per-call CPU figures of the sparse cases (round trips).</summary>
    private static async Task IdleAsync(ISide side, string name, double seconds)
    {
        Cpu cpu0 = side.Cpu();
        long t0 = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
        double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        Cpu cpu = side.Cpu() - cpu0;
        Emit(w =>
        {
            Head(w, "cluster_" + name, side.Name, 0);
            w.WriteNumber("seconds", R(dt));
            w.WriteNumber("self_cpu_ms_per_s", R(cpu.Self / dt * 1e3, 2));
            w.WriteNumber("nodes_cpu_ms_per_s", R(cpu.Nodes / dt * 1e3, 2));
            w.WriteNumber("workers_cpu_ms_per_s", R(cpu.Workers / dt * 1e3, 2));
        });
    }

    // ---------------------------------------------------------------- (b) round trips

    /// <summary>N sequential calls, each timed: SubmitAsync (<paramref name="chunk"/> 0), or a map of exactly one chunk.</summary>
    private static async Task LatencyAsync(ISide side, string name, int n, int chunk)
    {
        int[] one = Enumerable.Range(3, Math.Max(chunk, 1)).ToArray();
        long expected = one.Sum(i => (long)(i * i));

        async Task<double> Call()
        {
            long t0 = Stopwatch.GetTimestamp();
            long sum;
            if (chunk == 0)
            {
                sum = await side.SubmitAsync<int, int>(BenchTasks.Square, 3).ConfigureAwait(false);
            }
            else
            {
                sum = (await side.MapAsync<int, int>(BenchTasks.Square, one, chunk, 2).ConfigureAwait(false)).Sum(r => (long)r);
            }

            double us = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            return sum == expected ? us : throw new InvalidOperationException($"{name}: wrong result");
        }

        await LatencyCoreAsync(side, name, n, chunk, Call).ConfigureAwait(false);
    }

    private static async Task PingAsync(ClusterSide side, string name, int n)
    {
        // Four grains, so that both silos host some (placement is Orleans' own here) and calls go through either gateway.
        IPingGrain[] grains = Enumerable.Range(0, 4).Select(k => side.Cluster.Client.GetGrain<IPingGrain>(k)).ToArray();
        int next = 0;

        async Task<double> Call()
        {
            IPingGrain g = grains[next++ % grains.Length];
            long t0 = Stopwatch.GetTimestamp();
            int r = await g.PingAsync(7).ConfigureAwait(false);
            double us = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            return r == 7 ? us : throw new InvalidOperationException("ping: wrong result");
        }

        await LatencyCoreAsync(side, name, n, 0, Call).ConfigureAwait(false);
    }

    private static async Task LatencyCoreAsync(ISide side, string name, int n, int chunk, Func<Task<double>> call)
    {
        int block = Math.Clamp(n / 10, 20, 100);
        int warm = await WarmUpAsync(async small =>
        {
            var t = new double[small ? 10 : block];
            for (int i = 0; i < t.Length; i++)
            {
                t[i] = await call().ConfigureAwait(false);
            }

            Array.Sort(t);
            return t[t.Length / 2];
        }).ConfigureAwait(false);

        var times = new double[n];
        Cpu cpu0 = side.Cpu();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            times[i] = await call().ConfigureAwait(false);
        }

        double total = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        Cpu cpu = side.Cpu() - cpu0;
        Array.Sort(times);
        Emit(w =>
        {
            Head(w, "cluster_" + name, side.Name, n);
            w.WriteNumber("workers", side.Workers);
            w.WriteNumber("chunk", Math.Max(chunk, 1));
            w.WriteNumber("p50_us", R(Percentile(times, 0.50), 1));
            w.WriteNumber("p90_us", R(Percentile(times, 0.90), 1));
            w.WriteNumber("p99_us", R(Percentile(times, 0.99), 1));
            w.WriteNumber("min_us", R(times[0], 1));
            w.WriteNumber("mean_us", R(times.Average(), 1));
            w.WriteNumber("seconds", R(total, 4));
            w.WriteNumber("warmups", warm);
            w.WriteNumber("self_cpu_us_per_call", R(cpu.Self / n * 1e6, 1));
            w.WriteNumber("nodes_cpu_us_per_call", R(cpu.Nodes / n * 1e6, 1));
            w.WriteNumber("workers_cpu_us_per_call", R(cpu.Workers / n * 1e6, 1));
        });
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(p * sorted.Length))];

    // ---------------------------------------------------------------- (c) CPU-bound tasks

    private static async Task CpuBoundAsync(ISide side, string name, int n, double taskMs, int? chunk, double itersPerMs)
    {
        long iterations = (long)Math.Round(taskMs * itersPerMs);
        long expected = BenchTasks.Work(iterations);
        long[] items = Enumerable.Repeat(iterations, n).ToArray();

        async Task<double> Round(int count)
        {
            long[] input = count == n ? items : items[..count];
            long t0 = Stopwatch.GetTimestamp();
            long[] results = await side.MapAsync<long, long>(BenchTasks.Work, input, chunk, 2).ConfigureAwait(false);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            return Array.TrueForAll(results, r => r == expected) ? dt : throw new InvalidOperationException($"{name}: wrong results");
        }

        Rounds rounds = await MeasureAsync(side, n, Round, minRounds: 3, minSeconds: 0, fullWarmUp: false).ConfigureAwait(false);
        double seconds = rounds.Median;
        // The ideal: the work spread over the workers, or over the CPUs this process may use when there are fewer
        // (pinned with taskset -c 0: one; Environment.ProcessorCount follows the affinity mask).
        int cpus = Environment.ProcessorCount;
        double ideal = n * taskMs / 1000.0 / Math.Min(side.Workers, cpus);
        Emit(w =>
        {
            Head(w, "cluster_" + name, side.Name, n);
            w.WriteNumber("workers", side.Workers);
            w.WriteString("chunk", chunk?.ToString(CultureInfo.InvariantCulture) ?? "default");
            w.WriteNumber("task_ms", taskMs);
            w.WriteNumber("iterations", iterations);
            w.WriteNumber("cpus", cpus);
            w.WriteNumber("seconds", R(seconds, 4));
            w.WriteNumber("ideal_seconds", R(ideal, 4));
            w.WriteNumber("efficiency", R(ideal / seconds));
            w.WriteNumber("overhead_us_per_task", R(((seconds * Math.Min(side.Workers, cpus) / n) - (taskMs / 1000.0)) * 1e6, 1));
            rounds.WriteCpu(w, n, chunk ?? 0);
        });
    }

    // ---------------------------------------------------------------- calibration

    private static double ItersPerMs()
        => Environment.GetEnvironmentVariable("GREENPROC_CLUSTER_ITERS_PER_MS") is { Length: > 0 } v
            ? double.Parse(v, CultureInfo.InvariantCulture)
            : MeasureItersPerMs();

    /// <summary>Work steps per ms: the fastest of 15 runs of ~20 ms after a warm-up (the fastest: the least disturbed).</summary>
    private static double MeasureItersPerMs()
    {
        const long probe = 2_000_000;
        for (int i = 0; i < 30; i++)
        {
            BenchTasks.Work(probe / 10);
        }

        double best = double.MaxValue;
        for (int i = 0; i < 15; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            BenchTasks.Work(probe);
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        return probe / best;
    }

    private static void Calibrate()
    {
        double perMs = MeasureItersPerMs();
        Emit(w =>
        {
            Head(w, "cluster_calibrate", "local", 15);
            w.WriteNumber("iters_per_ms", Math.Round(perMs));
        });
    }

    // ---------------------------------------------------------------- rounds

    /// <summary>The timed rounds of a case and the CPU they took (this process, the nodes, the workers).</summary>
    private sealed record Rounds(List<double> Seconds, Cpu Cpu, int WarmUps)
    {
        public double Median => Seconds.Order().ElementAt(Seconds.Count / 2);

        public void WriteCpu(Utf8JsonWriter w, int n, int chunk)
        {
            double tasks = (double)n * Seconds.Count;
            w.WriteNumber("rounds", Seconds.Count);
            w.WriteNumber("warmups", WarmUps);
            w.WriteNumber("self_cpu_us_per_task", R(Cpu.Self / tasks * 1e6));
            w.WriteNumber("nodes_cpu_us_per_task", R(Cpu.Nodes / tasks * 1e6));
            w.WriteNumber("workers_cpu_us_per_task", R(Cpu.Workers / tasks * 1e6));
            if (chunk > 0)
            {
                w.WriteNumber("self_cpu_us_per_chunk", R(Cpu.Self / tasks * chunk * 1e6, 1));
                w.WriteNumber("nodes_cpu_us_per_chunk", R(Cpu.Nodes / tasks * chunk * 1e6, 1));
            }

            w.WriteStartArray("rounds_s");
            foreach (double s in Seconds)
            {
                w.WriteNumberValue(R(s, 4));
            }

            w.WriteEndArray();
        }
    }

    /// <summary>The warm-up's budget (GREENPROC_CLUSTER_WARMUP_S, default 1.5 s): the tiered JIT of the client, the silos
    /// and the workers, Orleans' connections and activations. Round trips measured right after 500 calls were 3-5x
    /// slower (p50) and 5-10x costlier in CPU than after a few seconds, on this busy 2-CPU VM.</summary>
    private static double WarmUpSeconds()
        => Environment.GetEnvironmentVariable("GREENPROC_CLUSTER_WARMUP_S") is { Length: > 0 } v ? double.Parse(v, CultureInfo.InvariantCulture) : 1.5;

    /// <summary>Untimed rounds (a short one first) for at least <see cref="WarmUpSeconds"/>, then until two in a row agree
    /// within 10 % (at most 5 more); returns how many ran. Not <paramref name="full"/>: a short round and one full one
    /// (the CPU-bound cases, whose rounds are long and whose calls the cases before have warmed up).</summary>
    private static async Task<int> WarmUpAsync(Func<bool, Task<double>> round, bool full = true)
    {
        long t0 = Stopwatch.GetTimestamp();
        double budget = full ? WarmUpSeconds() : 0;
        await round(true).ConfigureAwait(false);
        int count = 1, extra = 0;
        double last = double.NaN;
        while (true)
        {
            double t = await round(false).ConfigureAwait(false);
            count++;
            bool agree = Math.Abs(t - last) <= 0.10 * last;
            last = t;
            if (Stopwatch.GetElapsedTime(t0).TotalSeconds >= budget && (agree || ++extra > (full ? 5 : 0)))
            {
                return count;
            }
        }
    }

    /// <summary>The warm-up, then full rounds: at least <paramref name="minRounds"/>, and until
    /// <paramref name="minSeconds"/> have passed (at most 50).</summary>
    private static async Task<Rounds> MeasureAsync(ISide side, int n, Func<int, Task<double>> round, int minRounds, double minSeconds, bool fullWarmUp = true)
    {
        int warm = await WarmUpAsync(small => round(small ? Math.Max(n / 10, 1) : n), fullWarmUp).ConfigureAwait(false);
        var times = new List<double>();
        Cpu cpu0 = side.Cpu();
        long t0 = Stopwatch.GetTimestamp();
        while (times.Count < minRounds || (Stopwatch.GetElapsedTime(t0).TotalSeconds < minSeconds && times.Count < 50))
        {
            times.Add(await round(n).ConfigureAwait(false));
        }

        return new Rounds(times, side.Cpu() - cpu0, warm);
    }
}
