// GreenProc.Bench, gipc modes (issue 5): messages between a parent and a Gipc.StartProcess child, against the C pipe
// programs in ../shared/bench/native (pipe_throughput.c, pipe_pingpong.c), gipc's (Python) figures quoted from this
// machine, and a bare `dotnet hello.dll` start. See Program.cs for the mode list and docs/BENCHMARKS.md for the figures.
//
// Every mode runs in one parent process that starts its child with Gipc.StartProcess (the child is GreenProc.Ipc.dll
// under `dotnet exec` with this bench's runtimeconfig and deps file), so the child runs the same ReadyToRun build.
//   gipc_msgs N            the child puts N byte[1] messages as fast as it can, the parent gets them (msgs/s)
//   gipc_msgs_int N        the same with T = int through the default binary codec
//   gipc_bw SIZE MIB       the child puts MIB MiB as byte[SIZE] messages (raw codec), the parent gets them (MB/s)
//   gipc_bw_pooled ...     the same, received as GipcBuffer (arrays from the pool, returned after each message)
//   gipc_bw_stream ...     the same, each message read with GetStreamAsync into one reused byte[SIZE] (as the C reader)
//   gipc_rtt N             1-byte round trips, parent -> child -> parent over two simplex pipes, each timed alone
//   gipc_rtt_duplex N      the same over one duplex pipe (two OS pipes; info)
//   gipc_start N           N x (StartProcess, the child puts one message at once, the parent's GetAsync returns)
//   gipc_hello N DLL       N x (start `dotnet DLL`, wait for its exit): the bare-runtime baseline of gipc_start
//
// Streaming modes: the parent sends the child a count over a control pipe (an int pipe), starts the clock just
// before, and stops it when the last message has been received, so a round is "N messages one way, plus one control
// hop" (a few microseconds against rounds of ~1 s). Untimed warm-up rounds (1/10 size) run first until both processes
// are in their steady state (SteadyState below: neither has JIT-compiled a method for a while, so their hot paths have
// reached the tiered JIT's final code); then GREENPROC_BENCH_GIPC_ROUNDS timed rounds (default 3), of which the line
// reports the median (and all of them). The round-trip modes warm up the same way, then time N round trips.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using GreenProc.Ipc;
using GreenProc.Subprocess;

namespace GreenProc.Bench;

internal static partial class Program
{
    private static double EnvSeconds(string name, double fallback)
    {
        string? env = Environment.GetEnvironmentVariable(name);
        return env is not null ? double.Parse(env, CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>
    /// When a warm-up has reached the steady state: neither the parent nor the child has JIT-compiled a method for
    /// GREENPROC_BENCH_GIPC_QUIET_S (default 3 s), and at least GREENPROC_BENCH_GIPC_WARMUP_S (default 2 s) have passed;
    /// it gives up at GREENPROC_BENCH_GIPC_WARMUP_MAX_S (default 60 s) and says so in the line.
    /// </summary>
    /// <remarks>
    /// A fixed warm-up time measured the tiered JIT, not us: under <c>taskset -c 0</c> the runtime sees one CPU and
    /// multiplies its call-counting delay by 10 (1 s, restarted by any new compilation), so the hot paths went
    /// ReadyToRun → instrumented → optimized in steps up to 2 s apart, and the 4 s warm-up ended between steps (a
    /// pinned round trip read 12.3 µs there and 9.4 µs in the steady state). Quiet for 3 s means that any method still
    /// being counted has had its turn. The probe (a count over a pipe every 100 ms, or per round) runs the same code
    /// each time, so it compiles nothing after its first runs.
    /// </remarks>
    private sealed class SteadyState
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private readonly double _min = EnvSeconds("GREENPROC_BENCH_GIPC_WARMUP_S", 2.0);
        private readonly double _quiet = EnvSeconds("GREENPROC_BENCH_GIPC_QUIET_S", 3.0);
        private readonly double _max = EnvSeconds("GREENPROC_BENCH_GIPC_WARMUP_MAX_S", 60.0);
        private long _quietSince = Stopwatch.GetTimestamp();
        private long _nextProbe;

        public long ParentJit { get; private set; } = -1;

        public long ChildJit { get; private set; } = -1;

        public bool GaveUp { get; private set; }

        public double Seconds => Stopwatch.GetElapsedTime(_start).TotalSeconds;

        /// <summary>True at most every 100 ms: time to ask the child for its count (round-trip modes).</summary>
        public bool ProbeDue()
        {
            long now = Stopwatch.GetTimestamp();
            if (now < _nextProbe)
            {
                return false;
            }

            _nextProbe = now + (Stopwatch.Frequency / 10);
            return true;
        }

        /// <summary>Takes both processes' JIT counts; true once the warm-up may end.</summary>
        public bool Reached(long childJit)
        {
            long parentJit = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (parentJit != ParentJit || childJit != ChildJit)
            {
                ParentJit = parentJit;
                ChildJit = childJit;
                _quietSince = Stopwatch.GetTimestamp();
            }

            if (s_verbose)
            {
                Console.Error.WriteLine($"gipc warm-up {Seconds:F2} s: JIT-compiled methods: parent {parentJit}, child {childJit}");
            }

            double seconds = Seconds;
            if (seconds >= _max)
            {
                GaveUp = true;
                return true;
            }

            return seconds >= _min && Stopwatch.GetElapsedTime(_quietSince).TotalSeconds >= _quiet;
        }

        public void Write(Utf8JsonWriter w)
        {
            w.WriteNumber("warmup_s", Math.Round(Seconds, 2));
            w.WriteBoolean("warmup_steady", !GaveUp);
            w.WriteNumber("jit_methods_parent", ParentJit);
            w.WriteNumber("jit_methods_child", ChildJit);
        }
    }

    /// <summary>The child's side of the steady-state probe: its JIT-compiled method count.</summary>
    private static long JitCount() => System.Runtime.JitInfo.GetCompiledMethodCount();

    private static int GipcTimedRounds()
    {
        string? env = Environment.GetEnvironmentVariable("GREENPROC_BENCH_GIPC_ROUNDS");
        return env is not null ? int.Parse(env, CultureInfo.InvariantCulture) : 3;
    }

    // ---------------------------------------------------------------- child targets (run in the StartProcess child)

    /// <summary>Child of gipc_msgs / gipc_bw: for each count received, puts that many byte[size] messages (the same
    /// array each time, as the C writer reuses its buffer); -1 asks for its JIT count on <paramref name="jit"/>; 0 ends.</summary>
    internal static Task StreamBytesChild(GipcReader<int> control, GipcWriter<byte[]> data, GipcWriter<long> jit, int size)
        => PutRounds(control, data, jit, Payload(size));

    /// <summary>Child of gipc_bw_pooled: as StreamBytesChild, through GipcBuffer (the pooled codec); the buffer wraps our
    /// array, so there is nothing to return and it is reused.</summary>
    internal static Task StreamPooledChild(GipcReader<int> control, GipcWriter<GipcBuffer> data, GipcWriter<long> jit, int size)
        => PutRounds(control, data, jit, new GipcBuffer(Payload(size)));

    private static byte[] Payload(int size)
    {
        var payload = new byte[size];
        payload.AsSpan().Fill((byte)'x');
        return payload;
    }

    /// <summary>For each count received on <paramref name="control"/>, puts <paramref name="message"/> that many times;
    /// -1 asks for the JIT count; 0 ends.</summary>
    private static async Task PutRounds<T>(GipcReader<int> control, GipcWriter<T> data, GipcWriter<long> jit, T message)
    {
        while (true)
        {
            int count = await control.GetAsync();
            if (count == -1)
            {
                await jit.PutAsync(JitCount());
                continue;
            }

            if (count <= 0)
            {
                break;
            }

            for (int i = 0; i < count; i++)
            {
                await data.PutAsync(message);
            }
        }

        await data.DisposeAsync();
    }

    /// <summary>Child of gipc_msgs_int: for each count received, puts the ints 0..count-1; -1 asks for the JIT count; 0 ends.</summary>
    internal static async Task StreamIntsChild(GipcReader<int> control, GipcWriter<int> data, GipcWriter<long> jit)
    {
        while (true)
        {
            int count = await control.GetAsync();
            if (count == -1)
            {
                await jit.PutAsync(JitCount());
                continue;
            }

            if (count <= 0)
            {
                break;
            }

            for (int i = 0; i < count; i++)
            {
                await data.PutAsync(i);
            }
        }

        await data.DisposeAsync();
    }

    /// <summary>Child of gipc_rtt: puts back every message it gets, until the parent closes its end; an empty message
    /// also asks for its JIT count on <paramref name="jit"/>.</summary>
    internal static async Task EchoChild(GipcReader<byte[]> input, GipcWriter<byte[]> output, GipcWriter<long> jit)
    {
        try
        {
            while (true)
            {
                byte[] m = await input.GetAsync();
                if (m.Length == 0)
                {
                    await jit.PutAsync(JitCount());
                }

                await output.PutAsync(m);
            }
        }
        catch (EndOfStreamException)
        {
        }

        await output.DisposeAsync();
    }

    /// <summary>Child of gipc_rtt_duplex: the same over one duplex end.</summary>
    internal static async Task EchoDuplexChild(GipcDuplex<byte[]> end, GipcWriter<long> jit)
    {
        try
        {
            while (true)
            {
                byte[] m = await end.GetAsync();
                if (m.Length == 0)
                {
                    await jit.PutAsync(JitCount());
                }

                await end.PutAsync(m);
            }
        }
        catch (EndOfStreamException)
        {
        }

        await end.DisposeAsync();
    }

    /// <summary>
    /// Child of gipc_start: one message at once, then exit. Before it, it notes when the target began (the parent's
    /// Stopwatch clock <paramref name="t0"/> is CLOCK_MONOTONIC, shared by both processes) and how much the JIT had
    /// done in this process by then; a second message, after the timed one, carries these to the parent.
    /// </summary>
    internal static async Task HelloChild(GipcWriter<byte[]> output, long t0)
    {
        long entered = Stopwatch.GetTimestamp();
        long jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        long jitTicks = System.Runtime.JitInfo.GetCompilationTime().Ticks;
        await output.PutAsync([(byte)'h']);
        var probe = new byte[24];
        BitConverter.TryWriteBytes(probe.AsSpan(0), entered - t0);
        BitConverter.TryWriteBytes(probe.AsSpan(8), jitMethods);
        BitConverter.TryWriteBytes(probe.AsSpan(16), jitTicks);
        await output.PutAsync(probe);
        await output.DisposeAsync();
    }

    // ---------------------------------------------------------------- (a), (b): one way

    /// <summary>gipc_msgs N / gipc_msgs_int N: N small messages child -> parent per round.</summary>
    private static void GipcMsgs(bool ints, int n)
    {
        GipcStreamResult r = ints ? RunGipcStreamInts(n) : RunGipcStreamBytes(1, n);
        Emit(w =>
        {
            Head(w, ints ? "gipc_msgs_int" : "gipc_msgs_1B", n);
            w.WriteString("codec", ints ? "binary (int)" : "raw (byte[1])");
            r.Write(w, n, 1);
        });
    }

    /// <summary>gipc_bw SIZE MIB: MIB MiB child -> parent as byte[SIZE] messages per round (gipc_bw_pooled: as
    /// GipcBuffer; gipc_bw_stream: the parent reads each message with GetStreamAsync into one reused byte[SIZE], as
    /// pipe_throughput.c's reader does).</summary>
    private static void GipcBandwidth(string mode, int size, int mib)
    {
        long total = (long)mib << 20;
        int count = (int)Math.Max(1, total / size);
        GipcStreamResult r = mode switch
        {
            "gipc_bw_pooled" => RunGipcStreamPooled(size, count),
            "gipc_bw_stream" => RunGipcStreamReader(size, count),
            _ => RunGipcStreamBytes(size, count),
        };
        Emit(w =>
        {
            Head(w, mode, count);
            w.WriteNumber("size", size);
            w.WriteNumber("bytes", (long)count * size);
            r.Write(w, count, size);
        });
    }

    private sealed record GipcStreamResult(List<double> Rounds, double ColdSeconds, int ColdCount, int Warmups, SteadyState Steady, Alloc Alloc)
    {
        public void Write(Utf8JsonWriter w, int count, int size)
        {
            double dt = Median(Rounds);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("msgs_per_s", Math.Round(count / dt));
            w.WriteNumber("MB_per_s", Math.Round((double)count * size / dt / 1e6, 1));
            w.WriteStartArray("rounds_MB_per_s");
            foreach (double t in Rounds)
            {
                w.WriteNumberValue(Math.Round((double)count * size / t / 1e6, 1));
            }

            w.WriteEndArray();
            w.WriteStartArray("rounds_msgs_per_s");
            foreach (double t in Rounds)
            {
                w.WriteNumberValue(Math.Round(count / t));
            }

            w.WriteEndArray();
            w.WriteNumber("warmups", Warmups);
            Steady.Write(w);
            w.WriteNumber("cold_msgs_per_s", Math.Round(ColdCount / ColdSeconds));
            w.WriteNumber("cold_MB_per_s", Math.Round((double)ColdCount * size / ColdSeconds / 1e6, 1));
            Alloc.Write(w, (long)count * Rounds.Count, "msg"); // the parent's side, over all timed rounds
        }
    }

    private static GipcStreamResult RunGipcStreamBytes(int size, int count)
        => RunGipcStream<byte[]>(StreamBytesChild, m => m.Length, size, count);

    private static GipcStreamResult RunGipcStreamPooled(int size, int count)
        => RunGipcStream<GipcBuffer>(StreamPooledChild, m =>
        {
            int n = m.Length;
            m.Dispose(); // back to the pool, as a receiver does
            return n;
        }, size, count);

    private static GipcStreamResult RunGipcStreamReader(int size, int count)
    {
        var buffer = new byte[size];
        return RunGipcStream<byte[]>(StreamBytesChild, null, size, count, async reader =>
        {
            await using GipcMessageStream message = await reader.GetStreamAsync();
            long got = 0;
            int n;
            while ((n = await message.ReadAsync(buffer)) > 0)
            {
                got += n;
            }

            return (int)got;
        });
    }

    /// <summary>The parent of the byte streams: rounds of count messages of size bytes from <paramref name="child"/>,
    /// each got and measured by <paramref name="consume"/> (or, for streamed reads, by <paramref name="receive"/>).</summary>
    private static GipcStreamResult RunGipcStream<T>(Func<GipcReader<int>, GipcWriter<T>, GipcWriter<long>, int, Task> child, Func<T, int>? consume, int size, int count, Func<GipcReader<T>, Task<int>>? receive = null)
    {
        return Green.Run(async () =>
        {
            (GipcReader<int> ctlR, GipcWriter<int> ctlW) = Gipc.Pipe<int>();
            (GipcReader<T> dataR, GipcWriter<T> dataW) = Gipc.Pipe<T>();
            (GipcReader<long> jitR, GipcWriter<long> jitW) = Gipc.Pipe<long>();
            using GipcProcess process = Gipc.StartProcess(child, [ctlR, dataW, jitW, size]);

            async Task<double> Round(int k)
            {
                long t0 = Stopwatch.GetTimestamp();
                await ctlW.PutAsync(k);
                long bytes = 0;
                for (int i = 0; i < k; i++)
                {
                    bytes += receive is not null ? await receive(dataR) : consume!(await dataR.GetAsync());
                }

                double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                return bytes == (long)k * size ? dt : throw new InvalidOperationException($"got {bytes} bytes of {(long)k * size}");
            }

            GipcStreamResult result = await GipcRounds(count, Round, ChildJit(ctlW, jitR));
            await ctlW.PutAsync(0);
            await ctlW.DisposeAsync();
            await JoinChild(process);
            dataR.Dispose();
            jitR.Dispose();
            return result;
        });
    }

    private static GipcStreamResult RunGipcStreamInts(int count)
    {
        return Green.Run(async () =>
        {
            (GipcReader<int> ctlR, GipcWriter<int> ctlW) = Gipc.Pipe<int>();
            (GipcReader<int> dataR, GipcWriter<int> dataW) = Gipc.Pipe<int>();
            (GipcReader<long> jitR, GipcWriter<long> jitW) = Gipc.Pipe<long>();
            using GipcProcess child = Gipc.StartProcess(StreamIntsChild, ctlR, dataW, jitW);

            async Task<double> Round(int k)
            {
                long t0 = Stopwatch.GetTimestamp();
                await ctlW.PutAsync(k);
                long sum = 0;
                for (int i = 0; i < k; i++)
                {
                    sum += await dataR.GetAsync();
                }

                double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                return sum == (long)k * (k - 1) / 2 ? dt : throw new InvalidOperationException($"wrong sum {sum}");
            }

            GipcStreamResult result = await GipcRounds(count, Round, ChildJit(ctlW, jitR));
            await ctlW.PutAsync(0);
            await ctlW.DisposeAsync();
            await JoinChild(child);
            dataR.Dispose();
            jitR.Dispose();
            return result;
        });
    }

    /// <summary>Asks a streaming child for its JIT count (control value -1).</summary>
    private static Func<Task<long>> ChildJit(GipcWriter<int> control, GipcReader<long> jit)
        => async () =>
        {
            await control.PutAsync(-1);
            return await jit.GetAsync();
        };

    /// <summary>Warm-up rounds of count/10 until the steady state, then the timed full rounds.</summary>
    private static async Task<GipcStreamResult> GipcRounds(int count, Func<int, Task<double>> round, Func<Task<long>> childJit)
    {
        int small = Math.Max(1, count / 10);
        var steady = new SteadyState();
        double cold = await round(small);
        int warmups = 1;
        while (!steady.Reached(await childJit()) || warmups < 3)
        {
            await round(small);
            warmups++;
        }

        var rounds = new List<double>();
        Alloc alloc = Alloc.Start();
        for (int i = 0, k = GipcTimedRounds(); i < k; i++)
        {
            rounds.Add(await round(count));
        }

        alloc.Stop();
        return new GipcStreamResult(rounds, cold, small, warmups, steady, alloc);
    }

    private static async Task JoinChild(GipcProcess child)
    {
        if (!await child.JoinAsync(TimeSpan.FromSeconds(60)) || child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the gipc child did not end well: {child}");
        }
    }

    // ---------------------------------------------------------------- (c) round trip

    /// <summary>gipc_rtt N / gipc_rtt_duplex N: warm-up round trips for the budget, then N, each timed alone.</summary>
    private static void GipcRtt(bool duplex, int n)
    {
        (long[] ticks, int warm, SteadyState steady, Alloc alloc) = duplex ? RunGipcRttDuplex(n) : RunGipcRtt(n);
        double[] us = ticks.Select(t => t * 1e6 / Stopwatch.Frequency).OrderBy(x => x).ToArray();
        Emit(w =>
        {
            Head(w, duplex ? "gipc_rtt_duplex" : "gipc_rtt", n);
            w.WriteNumber("rtt_median_us", Math.Round(us[us.Length / 2], 2));
            w.WriteNumber("rtt_mean_us", Math.Round(us.Average(), 2));
            w.WriteNumber("rtt_p99_us", Math.Round(us[(int)(us.Length * 0.99)], 2));
            w.WriteNumber("rtt_min_us", Math.Round(us[0], 2));
            w.WriteNumber("msgs_per_s", Math.Round(2e6 / us.Average()));
            w.WriteNumber("warmup_round_trips", warm);
            steady.Write(w);
            alloc.Write(w, n, "round_trip");
        });
    }

    private static (long[] Ticks, int Warm, SteadyState Steady, Alloc Alloc) RunGipcRtt(int n)
    {
        return Green.Run(async () =>
        {
            (GipcReader<byte[]> p2cR, GipcWriter<byte[]> p2cW) = Gipc.Pipe<byte[]>();
            (GipcReader<byte[]> c2pR, GipcWriter<byte[]> c2pW) = Gipc.Pipe<byte[]>();
            (GipcReader<long> jitR, GipcWriter<long> jitW) = Gipc.Pipe<long>();
            using GipcProcess child = Gipc.StartProcess(EchoChild, p2cR, c2pW, jitW);
            var result = await RttLoop(n, new PipePair(p2cW, c2pR), jitR);
            await p2cW.DisposeAsync();
            await JoinChild(child);
            c2pR.Dispose();
            jitR.Dispose();
            return result;
        });
    }

    private static (long[] Ticks, int Warm, SteadyState Steady, Alloc Alloc) RunGipcRttDuplex(int n)
    {
        return Green.Run(async () =>
        {
            (GipcDuplex<byte[]> mine, GipcDuplex<byte[]> theirs) = Gipc.DuplexPipe<byte[]>();
            (GipcReader<long> jitR, GipcWriter<long> jitW) = Gipc.Pipe<long>();
            using GipcProcess child = Gipc.StartProcess(EchoDuplexChild, theirs, jitW);
            var result = await RttLoop(n, new DuplexEnd(mine), jitR);
            await mine.DisposeAsync();
            await JoinChild(child);
            jitR.Dispose();
            return result;
        });
    }

    // The two shapes of the parent's end, behind an interface so that the loop below is one async method whose awaits
    // are on the pipes' own ValueTasks (a delegate per round trip would allocate a Task and count in the allocations).
    private interface IRttEnd
    {
        ValueTask PutAsync(byte[] m);

        ValueTask<byte[]> GetAsync();
    }

    private sealed record PipePair(GipcWriter<byte[]> Out, GipcReader<byte[]> In) : IRttEnd
    {
        public ValueTask PutAsync(byte[] m) => Out.PutAsync(m);

        public ValueTask<byte[]> GetAsync() => In.GetAsync();
    }

    private sealed record DuplexEnd(GipcDuplex<byte[]> End) : IRttEnd
    {
        public ValueTask PutAsync(byte[] m) => End.PutAsync(m);

        public ValueTask<byte[]> GetAsync() => End.GetAsync();
    }

    private static async Task<(long[] Ticks, int Warm, SteadyState Steady, Alloc Alloc)> RttLoop(int n, IRttEnd end, GipcReader<long> childJit)
    {
        byte[] msg = [(byte)'x'];
        var steady = new SteadyState();
        int warm = 0;
        while (true)
        {
            await end.PutAsync(msg);
            msg = await end.GetAsync();
            warm++;
            if (warm >= 5000 && steady.ProbeDue())
            {
                // The probe is a round trip of its own: an empty message, which the child answers with its count too.
                await end.PutAsync([]);
                long count = await childJit.GetAsync();
                _ = await end.GetAsync();
                if (steady.Reached(count))
                {
                    break;
                }
            }
        }

        var ticks = new long[n];
        Alloc alloc = Alloc.Start();
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await end.PutAsync(msg);
            msg = await end.GetAsync();
            ticks[i] = Stopwatch.GetTimestamp() - t0;
        }

        alloc.Stop();
        return msg.Length == 1 ? (ticks, warm, steady, alloc) : throw new InvalidOperationException("the echo came back wrong");
    }

    // ---------------------------------------------------------------- (d) start to first message

    /// <summary>
    /// gipc_start N: one cold start (reported apart), then N x: clock, Gipc.Pipe, StartProcess(HelloChild), GetAsync
    /// returns the child's message: clock (to first message); then the child's exit is awaited (to exit, info).
    /// </summary>
    private static void GipcStart(int n, bool viaStartupHook = false)
    {
        // gipc_start_hook: the startup-hook launch that self-contained apps get (info: what the dotnet exec launch saves).
        GreenProc.Ipc.Internal.ChildLauncher.ForceStartupHook = viaStartupHook;
        var first = new List<double>();
        var exit = new List<double>();
        var started = new List<double>();  // StartProcess returned (the spawn, on the hub)
        var entered = new List<double>();  // the child's target began (child runtime start, hook, bootstrap, hub)
        var jitMethods = new List<double>();
        var jitMs = new List<double>();
        Green.Run(async () =>
        {
            for (int i = 0; i <= n; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                (GipcReader<byte[]> r, GipcWriter<byte[]> w) = Gipc.Pipe<byte[]>();
                using GipcProcess child = Gipc.StartProcess(HelloChild, w, t0);
                started.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                byte[] m = await r.GetAsync();
                first.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                byte[] probe = await r.GetAsync();
                entered.Add(BitConverter.ToInt64(probe, 0) * 1e3 / Stopwatch.Frequency);
                jitMethods.Add(BitConverter.ToInt64(probe, 8));
                jitMs.Add(TimeSpan.FromTicks(BitConverter.ToInt64(probe, 16)).TotalMilliseconds);
                await JoinChild(child);
                exit.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                r.Dispose();
                if (m.Length != 1)
                {
                    throw new InvalidOperationException("wrong first message");
                }
            }
        });
        Emit(w =>
        {
            Head(w, "gipc_start", n);
            w.WriteString("launch", viaStartupHook ? "startup hook" : "dotnet exec GreenProc.Ipc.dll");
            w.WriteNumber("ms", Math.Round(Median(first.Skip(1)), 2));
            w.WriteNumber("ms_min", Math.Round(first.Skip(1).Min(), 2));
            w.WriteNumber("ms_to_exit", Math.Round(Median(exit.Skip(1)), 2));
            w.WriteNumber("cold_ms", Math.Round(first[0], 2));
            w.WriteNumber("ms_start_process_returned", Math.Round(Median(started.Skip(1)), 2));
            w.WriteNumber("ms_child_target_entered", Math.Round(Median(entered.Skip(1)), 2));
            w.WriteNumber("child_jit_methods_before_target", Median(jitMethods.Skip(1)));
            w.WriteNumber("child_jit_ms_before_target", Math.Round(Median(jitMs.Skip(1)), 2));
            w.WriteStartArray("all_ms");
            foreach (double t in first)
            {
                w.WriteNumberValue(Math.Round(t, 2));
            }

            w.WriteEndArray();
        });
    }

    /// <summary>
    /// gipc_hello N DLL: one untimed start, then N x (start <c>dotnet DLL</c> with stdout to /dev/null, wait for its
    /// exit) timed one by one (Popen: posix_spawn, as StartProcess). DLL ending in no ".dll" is run directly (an apphost).
    /// </summary>
    private static void GipcHello(int n, string target)
    {
        string[] argv = target.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", target] : [target];
        var times = new List<double>();
        Green.Run(async () =>
        {
            for (int i = 0; i <= n; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                using Popen p = Popen.Start(argv, new PopenOptions { Stdin = Redirect.DevNull, Stdout = Redirect.DevNull });
                int rc = await p.WaitAsync();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (rc != 0)
                {
                    throw new InvalidOperationException($"{string.Join(' ', argv)} exited with {rc}");
                }
            }
        });
        Emit(w =>
        {
            Head(w, "hello_start", n);
            w.WriteString("command", string.Join(' ', argv));
            w.WriteNumber("ms", Math.Round(Median(times.Skip(1)), 2));
            w.WriteNumber("ms_min", Math.Round(times.Skip(1).Min(), 2));
            w.WriteNumber("cold_ms", Math.Round(times[0], 2));
        });
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = values.OrderBy(x => x).ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
