// GreenProc.Bench: the GreenProc side of the gevent anchor benchmarks in ../shared/bench/gevent/.
// Each run prints ONE JSON line shaped like the gevent script it mirrors. Run in Release (bench/run.sh does):
//   GreenProc.Bench switch_sleep0 N          two greenlets each Yield() N times            (bench_switch.py sleep0 N)
//   GreenProc.Bench none [0]                 hub only: baseline RSS                         (bench_spawn.py none 0)
//   GreenProc.Bench spawn_trivial N          spawn N no-op greenlets, JoinAll               (bench_spawn.py trivial N)
//   GreenProc.Bench spawn_trivial_warm N     the same after a JIT warm-up (time only)
//   GreenProc.Bench spawn_blocked N          N greenlets parked at once on a join           (bench_spawn.py blocked N)
//   GreenProc.Bench pipe_pingpong SIZE N     two pipes, A sends SIZE bytes, B echoes         (bench_pipe.py pingpong SIZE N)
//   GreenProc.Bench pipe_stream SIZE N       writer N x SIZE bytes, reader drains            (bench_pipe.py stream SIZE N)
// Primitives (issue 3):
//   GreenProc.Bench switch_event N           ping-pong on two GreenEvents (set/wait/clear)  (bench_switch.py event N)
//   GreenProc.Bench switch_queue N           ping-pong on two GreenQueue<int>               (bench_switch.py queue N)
//   GreenProc.Bench switch_channel N         ping-pong on two GreenChannel<int>             (bench_switch.py channel N)
//   GreenProc.Bench queue_KIND N             1 producer, 1 consumer; KIND = queue, bounded1, bounded100, joinable,
//                                            channel                                         (bench_queue.py KIND N)
//   GreenProc.Bench pool_METHOD N [SIZE]     GreenPool(SIZE) over N identity items; METHOD = map, imap,
//                                            imap_unordered, group_map (GreenGroup)          (bench_pool_map.py METHOD N SIZE)
// Subprocess (issue 4, SubprocessBench.cs):
//   GreenProc.Bench sub_true N               N greenlets, each Popen.Start(["true"]) + WaitAsync (bench_subprocess.py true N)
//   GreenProc.Bench sub_true_par50 N         the same in waves of 50 (spawn 50, join them)   (spawn_and_relay.c spawn-par50)
//   GreenProc.Bench sub_true_seq N           one greenlet, N sequential Popen + WaitAsync     (bench_subprocess.py true_seq N)
//   GreenProc.Bench sub_cat N SIZE           N greenlets, each `cat` CommunicateAsync(SIZE)   (bench_subprocess.py cat N SIZE)
//   GreenProc.Bench sub_cat1g MIB [CHUNK]    MIB MiB through one `cat`: a writer greenlet, a reader greenlet
//                                            (spawn_and_relay.c cat1g; dotnet-peers cat1g)
// gipc (issue 5, GipcBench.cs), parent <-> a Gipc.StartProcess child:
//   GreenProc.Bench gipc_msgs N              the child puts N byte[1] messages, the parent gets them (msgs/s)
//   GreenProc.Bench gipc_msgs_int N          the same with T = int, binary codec
//   GreenProc.Bench gipc_bw SIZE MIB         MIB MiB child -> parent as byte[SIZE] messages (MB/s; pipe_throughput.c -w SIZE)
//   GreenProc.Bench gipc_bw_pooled SIZE MIB  the same received as GipcBuffer (pooled arrays)
//   GreenProc.Bench gipc_bw_stream SIZE MIB  the same, each message read with GetStreamAsync into one reused byte[SIZE]
//   GreenProc.Bench gipc_rtt N               N 1-byte round trips over two pipes, each timed (pipe_pingpong.c -n)
//   GreenProc.Bench gipc_rtt_duplex N        the same over one duplex pipe (two OS pipes)
//   GreenProc.Bench gipc_start N             N x StartProcess until the child's first message arrives
//   GreenProc.Bench gipc_start_hook N        the same through the startup-hook launch (self-contained apps get it)
//   GreenProc.Bench gipc_hello N PATH        N x start `dotnet PATH` (PATH.dll) or PATH (an apphost) and wait for its exit
// Process pool (PoolBench.cs), W worker processes (default 2), the trivial task Square(x) = x * x:
//   GreenProc.Bench ppool_submit N [W]       N x SubmitAsync one by one, awaited together (µs/task); ppool_submit_green: from a greenlet
//   GreenProc.Bench ppool_map1 N [W]         MapAsync with ChunkSize = 1
//   GreenProc.Bench ppool_map N [W]          MapAsync, default chunking; ppool_map_green: from a greenlet (both maps:
//                                            GREENPROC_BENCH_POOL_CHUNK, GREENPROC_BENCH_POOL_MAX_IN_FLIGHT)
//   GreenProc.Bench ppool_start N [W]        N x new ProcessPool(W) -> WaitReadyAsync (ms); ppool_start_green: in Green.Run
//   GreenProc.Bench ppool_crash              a busy worker SIGKILLed among 6 one-second tasks: each task's fate
//   GreenProc.Bench ppool_lazy               Imap over an endless input, 3 results taken: items read
// Echo server (issue 14, EchoBench.cs), a server on 127.0.0.1 and CONNS clients in this process, ROUNDS round trips of
// SIZE bytes (default 1) each, one request in flight per connection:
//   GreenProc.Bench echo CONNS ROUNDS [SIZE]        GreenServer + client greenlets (GreenSocket), one hub (bench_echo.py CONNS ROUNDS SIZE)
//   GreenProc.Bench echo_tasks CONNS ROUNDS [SIZE]  plain .NET async sockets (Socket.AcceptAsync/ReceiveAsync/SendAsync),
//                                                   a Task per connection and per client, on the thread pool
// Throughput modes run untimed first (JIT warm-up until the tiered JIT settles, see WarmUp) before the timed run;
// the memory modes (none, spawn_trivial, spawn_blocked) run cold, once, so that their peak RSS is not inflated.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GreenProc;

namespace GreenProc.Bench;

internal static partial class Program
{
    private const string Usage =
        "usage: GreenProc.Bench switch_sleep0 N | none [0] | spawn_trivial N | spawn_trivial_warm N | spawn_blocked N | pipe_pingpong SIZE N | pipe_stream SIZE N"
        + " | switch_event N | switch_queue N | switch_channel N | queue_{queue,bounded1,bounded100,joinable,channel} N"
        + " | pool_{map,imap,imap_unordered} N [SIZE] | pool_group_map N"
        + " | sub_true N | sub_true_par50 N | sub_true_seq N | sub_cat N SIZE | sub_cat1g MIB [CHUNK]"
        + " | gipc_msgs N | gipc_msgs_int N | gipc_bw[_pooled|_stream] SIZE MIB | gipc_rtt N | gipc_rtt_duplex N | gipc_start N | gipc_start_hook N | gipc_hello N PATH"
        + " | ppool_submit[_green] N [W] | ppool_map1 N [W] | ppool_map[_green] N [W] | ppool_start[_green] N [W] | ppool_crash | ppool_lazy"
        + " | echo CONNS ROUNDS [SIZE] | echo_tasks CONNS ROUNDS [SIZE]";

    private static readonly bool s_verbose = Environment.GetEnvironmentVariable("GREENPROC_BENCH_VERBOSE") == "1";

    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        // GREENPROC_BENCH_LISTEN=1: every GreenProc instrument listened to, as dotnet-counters or OpenTelemetry would
        // (each measurement summed), to measure what the metrics cost while something watches.
        using System.Diagnostics.Metrics.MeterListener? listener = Environment.GetEnvironmentVariable("GREENPROC_BENCH_LISTEN") == "1" ? Listen() : null;
        if (listener is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Error.WriteLine($"listened: {Interlocked.Read(ref s_listened)} (sum of the measurements)");
        }

        try
        {
            string mode = args[0];
            switch (mode)
            {
                case "switch_sleep0":
                    SwitchSleep0(Arg(args, 1, 200_000));
                    break;
                case "none":
                    None();
                    break;
                case "spawn_trivial":
                    SpawnTrivial(Arg(args, 1, 100_000));
                    break;
                case "spawn_trivial_warm":
                    SpawnTrivialWarm(Arg(args, 1, 100_000));
                    break;
                case "spawn_blocked":
                    SpawnBlocked(Arg(args, 1, 100_000));
                    break;
                case "pipe_pingpong":
                    PipePingPong(Arg(args, 1, 1), Arg(args, 2, 50_000));
                    break;
                case "pipe_stream":
                    PipeStream(Arg(args, 1, 1), Arg(args, 2, 200_000));
                    break;
                case "switch_event" or "switch_queue" or "switch_channel":
                    SwitchPrimitive(mode["switch_".Length..], Arg(args, 1, 200_000));
                    break;
                case "queue_queue" or "queue_bounded1" or "queue_bounded100" or "queue_joinable" or "queue_channel":
                    QueueThroughput(mode["queue_".Length..], Arg(args, 1, 500_000));
                    break;
                case "pool_map" or "pool_imap" or "pool_imap_unordered" or "pool_group_map":
                    PoolMap(mode["pool_".Length..], Arg(args, 1, 100_000), Arg(args, 2, 100));
                    break;
                case "sub_true" or "sub_true_par50" or "sub_true_seq":
                    SubTrue(mode["sub_".Length..], Arg(args, 1, 200));
                    break;
                case "sub_cat":
                    SubCat(Arg(args, 1, 100), Arg(args, 2, 65536));
                    break;
                case "sub_cat1g":
                    SubCat1G(Arg(args, 1, 1024), Arg(args, 2, 65536));
                    break;
                case "gipc_msgs" or "gipc_msgs_int":
                    GipcMsgs(mode == "gipc_msgs_int", Arg(args, 1, 3_000_000));
                    break;
                case "gipc_bw" or "gipc_bw_pooled" or "gipc_bw_stream":
                    GipcBandwidth(mode, Arg(args, 1, 65536), Arg(args, 2, 1024));
                    break;
                case "gipc_rtt" or "gipc_rtt_duplex":
                    GipcRtt(mode == "gipc_rtt_duplex", Arg(args, 1, 20_000));
                    break;
                case "gipc_start" or "gipc_start_hook":
                    GipcStart(Arg(args, 1, 15), viaStartupHook: mode == "gipc_start_hook");
                    break;
                case "gipc_hello":
                    GipcHello(Arg(args, 1, 15), args.Length > 2 ? args[2] : throw new FormatException("gipc_hello needs the path of hello.dll"));
                    break;
                case "ppool_submit" or "ppool_submit_green" or "ppool_map1" or "ppool_map" or "ppool_map_green":
                    PoolThroughput(mode, Arg(args, 1, 100_000), Arg(args, 2, 2));
                    break;
                case "ppool_start" or "ppool_start_green":
                    PoolStart(mode, Arg(args, 1, 15), Arg(args, 2, 2));
                    break;
                case "ppool_crash":
                    PoolCrash();
                    break;
                case "ppool_lazy":
                    PoolLazy();
                    break;
                case "echo" or "echo_tasks":
                    Echo(tasks: mode == "echo_tasks", Arg(args, 1, 1), Arg(args, 2, 100_000), Arg(args, 3, 1));
                    break;
                default:
                    Console.Error.WriteLine($"unknown mode '{mode}'\n{Usage}");
                    return 2;
            }

            return 0;
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"{e.Message}\n{Usage}");
            return 2;
        }
    }

    private static long s_listened;

    private static System.Diagnostics.Metrics.MeterListener Listen()
    {
        var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name.StartsWith("GreenProc.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref s_listened, value));
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref s_listened));
        listener.Start();
        return listener;
    }

    private static int Arg(string[] args, int i, int fallback)
        => args.Length > i ? int.Parse(args[i], NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    // ---------------------------------------------------------------- (a) switch rate

    private static void SwitchSleep0(int n)
    {
        Warm warm = WarmUp(n, RunSwitchSleep0);
        Alloc alloc = Alloc.Start();
        double dt = RunSwitchSleep0(n);
        alloc.Stop();
        long ops = 2L * n;
        Emit(w =>
        {
            Head(w, "switch_sleep0", n);
            w.WriteNumber("ops", ops);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("ops_per_s", Math.Round(ops / dt));
            w.WriteNumber("ns_per_op", Math.Round(dt / ops * 1e9, 1));
            warm.Write(w, ops, "ops_per_s");
            alloc.Write(w, ops, "op");
        });
    }

    private static double RunSwitchSleep0(int n)
    {
        return Green.Run(async () =>
        {
            static async Task Loop(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    await Green.Yield();
                }
            }

            Greenlet a = Green.Spawn(() => Loop(n));
            Greenlet b = Green.Spawn(() => Loop(n));
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([a, b], raiseError: true);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        });
    }

    // ---------------------------------------------------------------- (b) baseline, spawn + join

    private static void None()
    {
        Green.Run(async () => await Green.Yield());
        Emit(w =>
        {
            Head(w, "spawn_none", 0);
            w.WriteNumber("seconds", 0);
            w.WriteNumber("spawn_seconds", 0);
            w.WriteNumber("per_greenlet_us", 0);
            MemoryFields(w);
        });
    }

    private static void SpawnTrivial(int n)
    {
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        int gc0 = GC.CollectionCount(0), gc1 = GC.CollectionCount(1), gc2 = GC.CollectionCount(2);
        (double dt, double tSpawn) = RunSpawnTrivial(n);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        Emit(w =>
        {
            Head(w, "spawn_trivial", n);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("spawn_seconds", Math.Round(tSpawn, 4));
            w.WriteNumber("per_greenlet_us", Math.Round(dt / Math.Max(n, 1) * 1e6, 3));
            w.WriteNumber("allocated_bytes_per_greenlet", Math.Round((double)allocated / Math.Max(n, 1), 1));
            w.WriteNumber("gc0", GC.CollectionCount(0) - gc0);
            w.WriteNumber("gc1", GC.CollectionCount(1) - gc1);
            w.WriteNumber("gc2", GC.CollectionCount(2) - gc2);
            MemoryFields(w);
        });
    }

    /// <summary>spawn_trivial after a JIT warm-up (time only: the warm-up runs make its RSS meaningless).</summary>
    private static void SpawnTrivialWarm(int n)
    {
        Warm warm = WarmUp(n, k => RunSpawnTrivial(k).Seconds);
        Alloc alloc = Alloc.Start();
        (double dt, double tSpawn) = RunSpawnTrivial(n);
        alloc.Stop();
        Emit(w =>
        {
            Head(w, "spawn_trivial_warm", n);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("spawn_seconds", Math.Round(tSpawn, 4));
            w.WriteNumber("per_greenlet_us", Math.Round(dt / Math.Max(n, 1) * 1e6, 3));
            warm.Write(w, n, "greenlets_per_s");
            alloc.Write(w, n, "greenlet");
        });
    }

    private static (double Seconds, double SpawnSeconds) RunSpawnTrivial(int n)
    {
        return Green.Run(async () =>
        {
            static Task Noop() => Task.CompletedTask;
            long t0 = Stopwatch.GetTimestamp();
            var gs = new List<Greenlet>(n);
            for (int i = 0; i < n; i++)
            {
                gs.Add(Green.Spawn(Noop));
            }

            double spawn = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            await Green.JoinAll(gs);
            return (Stopwatch.GetElapsedTime(t0).TotalSeconds, spawn);
        });
    }

    // ---------------------------------------------------------------- (c) N parked greenlets

    private static void SpawnBlocked(int n)
    {
        long before = 0, parked = 0;
        int alive = 0;
        (double dt, double tSpawn) = Green.Run(async () =>
        {
            Greenlet gate = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask(), "gate");
            await Green.Yield(); // the gate parks in its sleep
            var gs = new List<Greenlet>(n);
            before = GC.GetTotalMemory(forceFullCollection: true);

            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                gs.Add(Green.Spawn(async () => await gate.JoinAsync()));
            }

            double spawn = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            await Green.Yield(); // the N spawned greenlets run (FIFO, ahead of us) and each parks in JoinAsync
            double toParked = Stopwatch.GetElapsedTime(t0).TotalSeconds;

            // All N alive and suspended at once: measure (outside the timed span).
            foreach (Greenlet g in gs)
            {
                if (g.IsAlive)
                {
                    alive++;
                }
            }

            parked = GC.GetTotalMemory(forceFullCollection: true);

            long t1 = Stopwatch.GetTimestamp();
            await gate.KillAsync();
            await Green.JoinAll(gs, raiseError: true);
            return (toParked + Stopwatch.GetElapsedTime(t1).TotalSeconds, spawn);
        });

        if (alive != n)
        {
            Console.Error.WriteLine($"spawn_blocked: only {alive} of {n} greenlets were alive (parked) at the measurement point");
        }

        Emit(w =>
        {
            Head(w, "spawn_blocked", n);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("spawn_seconds", Math.Round(tSpawn, 4));
            w.WriteNumber("per_greenlet_us", Math.Round(dt / Math.Max(n, 1) * 1e6, 3));
            w.WriteNumber("parked_alive", alive);
            w.WriteNumber("managed_before", before);
            w.WriteNumber("managed_parked", parked);
            w.WriteNumber("bytes_per_greenlet", Math.Round((double)(parked - before) / Math.Max(n, 1), 1));
            MemoryFields(w);
        });
    }

    // ---------------------------------------------------------------- (d) pipes

    private static void PipePingPong(int size, int n)
    {
        Warm warm = WarmUp(n, k => RunPipePingPong(size, k).Seconds);
        Alloc alloc = Alloc.Start();
        (double dt, long reads) = RunPipePingPong(size, n);
        alloc.Stop();
        long msgs = 2L * n; // each round trip is two messages, as in bench_pipe.py
        Emit(w =>
        {
            Head(w, $"pipe_pingpong_{size}B", n);
            w.WriteNumber("size", size);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("msgs_per_s", Math.Round(msgs / dt));
            w.WriteNumber("reads", reads);
            w.WriteNumber("MiB_per_s", Math.Round(msgs * (double)size / dt / (1 << 20), 1));
            w.WriteNumber("rtt_us", Math.Round(dt / n * 1e6, 3));
            warm.Write(w, msgs, "msgs_per_s");
            alloc.Write(w, msgs, "msg");
        });
    }

    private static (double Seconds, long Reads) RunPipePingPong(int size, int n)
    {
        return Green.Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r1, out SafeFdHandle w1);
            SafeFdHandle.CreatePipe(out SafeFdHandle r2, out SafeFdHandle w2);
            using var in1 = new GreenStream(r1, FileAccess.Read);
            using var out1 = new GreenStream(w1, FileAccess.Write);
            using var in2 = new GreenStream(r2, FileAccess.Read);
            using var out2 = new GreenStream(w2, FileAccess.Write);
            long reads = 0;

            // Read exactly buf.Length bytes. The first read is awaited inline by the caller (one message is
            // normally one read); only a short read (64 KiB messages) goes through this helper for the rest. A
            // helper awaited on every message costs 40-60 B per message even with the pooling builder (measured).
            async ValueTask ReadRest(GreenStream s, Memory<byte> buf)
            {
                while (!buf.IsEmpty)
                {
                    int k = await s.ReadAsync(buf);
                    if (k == 0)
                    {
                        throw new EndOfStreamException();
                    }

                    reads++;
                    buf = buf.Slice(k);
                }
            }

            Greenlet b = Green.Spawn(async () =>
            {
                var buf = new byte[size];
                for (int i = 0; i < n; i++)
                {
                    int k = await in1.ReadAsync(buf);
                    reads++;
                    if (k < size)
                    {
                        await ReadRest(in1, buf.AsMemory(k == 0 ? throw new EndOfStreamException() : k));
                    }

                    await out2.WriteAsync(buf);
                }
            }, "B");
            Greenlet a = Green.Spawn(async () =>
            {
                var msg = new byte[size];
                var back = new byte[size];
                msg.AsSpan().Fill((byte)'x');
                for (int i = 0; i < n; i++)
                {
                    await out1.WriteAsync(msg);
                    int k = await in2.ReadAsync(back);
                    reads++;
                    if (k < size)
                    {
                        await ReadRest(in2, back.AsMemory(k == 0 ? throw new EndOfStreamException() : k));
                    }
                }
            }, "A");
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([a, b], raiseError: true);
            return (Stopwatch.GetElapsedTime(t0).TotalSeconds, reads);
        });
    }

    private static void PipeStream(int size, int n)
    {
        Warm warm = WarmUp(n, k => RunPipeStream(size, k).Seconds);
        Alloc alloc = Alloc.Start();
        (double dt, long reads) = RunPipeStream(size, n);
        alloc.Stop();
        Emit(w =>
        {
            Head(w, $"pipe_stream_{size}B", n);
            w.WriteNumber("size", size);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("msgs_per_s", Math.Round(n / dt));
            w.WriteNumber("reads", reads);
            w.WriteNumber("MiB_per_s", Math.Round(n * (double)size / dt / (1 << 20), 1));
            warm.Write(w, n, "msgs_per_s");
            alloc.Write(w, n, "msg");
        });
    }

    private static (double Seconds, long Reads) RunPipeStream(int size, int n)
    {
        return Green.Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle wr);
            using var input = new GreenStream(r, FileAccess.Read);
            using var output = new GreenStream(wr, FileAccess.Write);
            long total = (long)n * size;
            long reads = 0;

            Greenlet reader = Green.Spawn(async () =>
            {
                var buf = new byte[1 << 16];
                long left = total;
                while (left > 0)
                {
                    int k = await input.ReadAsync(buf.AsMemory(0, (int)Math.Min(left, buf.Length)));
                    if (k == 0)
                    {
                        throw new EndOfStreamException();
                    }

                    reads++;
                    left -= k;
                }
            }, "reader");
            Greenlet writer = Green.Spawn(async () =>
            {
                var msg = new byte[size];
                msg.AsSpan().Fill((byte)'x');
                for (int i = 0; i < n; i++)
                {
                    await output.WriteAsync(msg);
                }
            }, "writer");
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([writer, reader], raiseError: true);
            return (Stopwatch.GetElapsedTime(t0).TotalSeconds, reads);
        });
    }

    // ---------------------------------------------------------------- (e) primitives (issue 3): two-greenlet ping-pong

    /// <summary>bench_switch.py event|queue|channel: two greenlets hand control back and forth N times; 2N handoffs.</summary>
    private static void SwitchPrimitive(string kind, int n)
    {
        Func<int, double> run = kind switch
        {
            "event" => RunSwitchEvent,
            "queue" => RunSwitchQueue,
            "channel" => RunSwitchChannel,
            _ => throw new FormatException($"unknown switch kind '{kind}'"),
        };
        Warm warm = WarmUp(n, run);
        Alloc alloc = Alloc.Start();
        double dt = run(n);
        alloc.Stop();
        long ops = 2L * n;
        Emit(w =>
        {
            Head(w, "switch_" + kind, n);
            w.WriteNumber("ops", ops);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("ops_per_s", Math.Round(ops / dt));
            w.WriteNumber("ns_per_op", Math.Round(dt / ops * 1e9, 1));
            warm.Write(w, ops, "ops_per_s");
            alloc.Write(w, ops, "op");
        });
    }

    private static double RunSwitchEvent(int n)
    {
        return Green.Run(async () =>
        {
            var evA = new GreenEvent();
            var evB = new GreenEvent();

            async Task Ping()
            {
                for (int i = 0; i < n; i++)
                {
                    evB.Set();
                    await evA.WaitAsync();
                    evA.Clear();
                }
            }

            async Task Pong()
            {
                for (int i = 0; i < n; i++)
                {
                    await evB.WaitAsync();
                    evB.Clear();
                    evA.Set();
                }
            }

            Greenlet b = Green.Spawn(Pong);
            Greenlet a = Green.Spawn(Ping);
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([a, b], raiseError: true);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        });
    }

    // bench_switch.py's _bench_two_queues with Queue.
    private static double RunSwitchQueue(int n)
    {
        return Green.Run(async () =>
        {
            var q1 = new GreenQueue<int>();
            var q2 = new GreenQueue<int>();

            async Task Ping()
            {
                for (int i = 0; i < n; i++)
                {
                    await q1.PutAsync(i);
                    await q2.GetAsync();
                }
            }

            async Task Pong()
            {
                for (int i = 0; i < n; i++)
                {
                    await q2.PutAsync(await q1.GetAsync());
                }
            }

            Greenlet b = Green.Spawn(Pong);
            Greenlet a = Green.Spawn(Ping);
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([a, b], raiseError: true);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        });
    }

    // bench_switch.py's _bench_two_queues with Channel.
    private static double RunSwitchChannel(int n)
    {
        return Green.Run(async () =>
        {
            var q1 = new GreenChannel<int>();
            var q2 = new GreenChannel<int>();

            async Task Ping()
            {
                for (int i = 0; i < n; i++)
                {
                    await q1.PutAsync(i);
                    await q2.GetAsync();
                }
            }

            async Task Pong()
            {
                for (int i = 0; i < n; i++)
                {
                    await q2.PutAsync(await q1.GetAsync());
                }
            }

            Greenlet b = Green.Spawn(Pong);
            Greenlet a = Green.Spawn(Ping);
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([a, b], raiseError: true);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        });
    }

    // ---------------------------------------------------------------- (e) primitives: one producer, one consumer

    /// <summary>bench_queue.py KIND N: the consumer is spawned first, then the producer; N puts, N gets.</summary>
    private static void QueueThroughput(string kind, int n)
    {
        Func<int, double> run = kind switch
        {
            "queue" => k => RunQueue(k, () => new GreenQueue<int>()),
            "joinable" => k => RunQueue(k, () => new GreenJoinableQueue<int>()),
            "bounded1" => k => RunQueue(k, () => new GreenQueue<int>(1)),
            "bounded100" => k => RunQueue(k, () => new GreenQueue<int>(100)),
            "channel" => RunQueueChannel,
            _ => throw new FormatException($"unknown queue kind '{kind}'"),
        };
        Warm warm = WarmUp(n, run);
        Alloc alloc = Alloc.Start();
        double dt = run(n);
        alloc.Stop();
        Emit(w =>
        {
            Head(w, "queue_" + kind, n);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("items_per_s", Math.Round(n / dt));
            w.WriteNumber("ns_per_item", Math.Round(dt / n * 1e9, 1));
            warm.Write(w, n, "items_per_s");
            alloc.Write(w, n, "item");
        });
    }

    private static double RunQueue(int n, Func<GreenQueue<int>> make)
    {
        return Green.Run(async () =>
        {
            GreenQueue<int> q = make();
            int got = 0;

            async Task Producer()
            {
                for (int i = 0; i < n; i++)
                {
                    await q.PutAsync(i);
                }
            }

            async Task Consumer()
            {
                for (int i = 0; i < n; i++)
                {
                    await q.GetAsync();
                    got++;
                }
            }

            Greenlet c = Green.Spawn(Consumer);
            Greenlet p = Green.Spawn(Producer);
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([p, c], raiseError: true);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            return got == n ? dt : throw new InvalidOperationException($"consumer got {got} of {n} items");
        });
    }

    private static double RunQueueChannel(int n)
    {
        return Green.Run(async () =>
        {
            var q = new GreenChannel<int>();
            int got = 0;

            async Task Producer()
            {
                for (int i = 0; i < n; i++)
                {
                    await q.PutAsync(i);
                }
            }

            async Task Consumer()
            {
                for (int i = 0; i < n; i++)
                {
                    await q.GetAsync();
                    got++;
                }
            }

            Greenlet c = Green.Spawn(Consumer);
            Greenlet p = Green.Spawn(Producer);
            long t0 = Stopwatch.GetTimestamp();
            await Green.JoinAll([p, c], raiseError: true);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            return got == n ? dt : throw new InvalidOperationException($"consumer got {got} of {n} items");
        });
    }

    // ---------------------------------------------------------------- (e) primitives: pool map

    /// <summary>
    /// bench_pool_map.py METHOD N SIZE: <c>ident(x) = x</c> over <c>range(N)</c> through a GreenPool(SIZE) (a GreenGroup
    /// for group_map); the pool is made before the clock starts, the check of the result is timed, as in the script.
    /// </summary>
    private static void PoolMap(string method, int n, int size)
    {
        if (method is not ("map" or "imap" or "imap_unordered" or "group_map"))
        {
            throw new FormatException($"unknown pool method '{method}'");
        }

        Warm warm = WarmUp(n, k => RunPoolMap(method, k, size));
        Alloc alloc = Alloc.Start();
        double dt = RunPoolMap(method, n, size);
        alloc.Stop();
        Emit(w =>
        {
            Head(w, "pool_" + method, n);
            if (method == "group_map")
            {
                w.WriteNull("pool_size");
            }
            else
            {
                w.WriteNumber("pool_size", size);
            }

            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("items_per_s", Math.Round(n / dt));
            w.WriteNumber("us_per_item", Math.Round(dt / n * 1e6, 3));
            warm.Write(w, n, "items_per_s");
            alloc.Write(w, n, "item");
        });
    }

    private static double RunPoolMap(string method, int n, int size)
    {
        return Green.Run(async () =>
        {
            static Task<int> Ident(int x) => Task.FromResult(x);
            GreenGroup pool = method == "group_map" ? new GreenGroup() : new GreenPool(size);
            IEnumerable<int> items = Enumerable.Range(0, n);
            long t0 = Stopwatch.GetTimestamp();
            List<int> output;
            if (method is "map" or "group_map")
            {
                output = await pool.MapAsync<int, int>(Ident, items);
            }
            else
            {
                output = new List<int>();
                IAsyncEnumerable<int> seq = method == "imap" ? pool.Imap<int, int>(Ident, items) : pool.ImapUnordered<int, int>(Ident, items);
                await foreach (int x in seq)
                {
                    output.Add(x);
                }

                if (method == "imap_unordered")
                {
                    output.Sort();
                }
            }

            bool ok = output.Count == n;
            for (int i = 0; ok && i < n; i++)
            {
                ok = output[i] == i;
            }

            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            return ok ? dt : throw new InvalidOperationException($"pool_{method}: wrong results ({output.Count} of {n})");
        });
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// Warms the JIT up before the timed run. Tiered compilation promotes a method after 30 calls, only once no new
    /// tier-0 code has appeared for 100 ms (1 s on a single CPU, as under taskset -c 0), then again from the
    /// instrumented (PGO) tier to the final one; and some hot methods (the hub's loop) are entered once per
    /// <see cref="Green.Run(Func{Task}, HubOptions?)"/>. Measured here: a single full-size warm-up run leaves the rate
    /// anywhere between 20 % and 100 % of the steady one, and on one CPU the steady rate came after ~2 s of runs,
    /// through plateaus (so "two runs agree" alone stops too early). Hence: 60 short runs (N/20) with two quiet
    /// pauses, then full-size runs for at least the budget (GREENPROC_BENCH_WARMUP_S, default 2.5 s, 6 s on one
    /// CPU), then until two in a row agree within 5 % (at most 5 more).
    /// </summary>
    private static Warm WarmUp(int n, Func<int, double> run)
    {
        bool oneCpu = Environment.ProcessorCount == 1;
        string? env = Environment.GetEnvironmentVariable("GREENPROC_BENCH_WARMUP_S");
        double budget = env is not null ? double.Parse(env, CultureInfo.InvariantCulture) : oneCpu ? 6.0 : 2.5;
        var quiet = TimeSpan.FromMilliseconds(oneCpu ? 1100 : 150);
        var times = new List<double>();
        long t0 = Stopwatch.GetTimestamp();
        int small = Math.Max(n / 20, 100);
        for (int k = 0; k < 60 && budget > 0; k++)
        {
            double t = run(small);
            if (k == 0)
            {
                times.Add(t * n / small); // the cold run, scaled to N
            }

            if (k is 0 or 30)
            {
                Thread.Sleep(quiet);
            }
        }

        int extra = 0;
        for (int k = 0; k < 500 && budget > 0; k++)
        {
            times.Add(run(n));
            if (s_verbose)
            {
                Console.Error.WriteLine($"warm-up {k}: {times[^1]:F4} s, {System.Runtime.JitInfo.GetCompiledMethodCount()} methods JIT-compiled so far");
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

        if (times.Count == 0)
        {
            times.Add(double.NaN);
        }

        return new Warm(times);
    }

    /// <summary>Allocations and collections during the timed run (whole Green.Run, hub setup included).</summary>
    private sealed class Alloc
    {
        private long _bytes = GC.GetTotalAllocatedBytes(precise: true);
        private int _gc0 = GC.CollectionCount(0);
        private int _gc2 = GC.CollectionCount(2);
        private TimeSpan _pause = GC.GetTotalPauseDuration();
        private long _jit = System.Runtime.JitInfo.GetCompiledMethodCount();

        public static Alloc Start() => new();

        public void Stop()
        {
            _bytes = GC.GetTotalAllocatedBytes(precise: true) - _bytes;
            _gc0 = GC.CollectionCount(0) - _gc0;
            _gc2 = GC.CollectionCount(2) - _gc2;
            _pause = GC.GetTotalPauseDuration() - _pause;
            _jit = System.Runtime.JitInfo.GetCompiledMethodCount() - _jit;
        }

        public void Write(Utf8JsonWriter w, long count, string unit)
        {
            w.WriteNumber("allocated_bytes_per_" + unit, Math.Round((double)_bytes / Math.Max(count, 1), 1));
            w.WriteNumber("gc0", _gc0);
            w.WriteNumber("gc2", _gc2);
            w.WriteNumber("gc_pause_ms", Math.Round(_pause.TotalMilliseconds, 2));
            w.WriteNumber("jit_methods_in_run", _jit); // methods (re)compiled during the timed run: 0 once the tiered JIT has settled
        }
    }

    /// <summary>The untimed warm-up runs (the first, cold one scaled to N; then the full-size ones): cold performance stays visible.</summary>
    private sealed record Warm(List<double> Seconds)
    {
        public void Write(Utf8JsonWriter w, long count, string rateName)
        {
            w.WriteNumber("warmups", Seconds.Count - 1);
            if (!double.IsNaN(Seconds[0]))
            {
                w.WriteNumber("cold_seconds", Math.Round(Seconds[0], 4));
                w.WriteNumber("cold_" + rateName, Math.Round(count / Seconds[0]));
            }
        }
    }

    private static void Head(Utf8JsonWriter w, string bench, int n, string lib = "greenproc")
    {
        w.WriteString("bench", bench);
        w.WriteString("lib", lib);
        w.WriteString("version", typeof(Green).Assembly.GetName().Version?.ToString() ?? "?");
        w.WriteString("runtime", RuntimeInformation.FrameworkDescription);
        w.WriteNumber("n", n);
    }

    private static void MemoryFields(Utf8JsonWriter w)
    {
        (long hwm, long rss) = ReadProcStatus();
        w.WriteNumber("ru_maxrss_kib", hwm); // VmHWM: peak RSS, in KiB like ru_maxrss
        w.WriteNumber("rss_kib", rss);
        w.WriteNumber("managed_bytes", GC.GetTotalMemory(forceFullCollection: false));
        w.WriteNumber("gc_committed_bytes", GC.GetGCMemoryInfo().TotalCommittedBytes);
    }

    private static (long HwmKib, long RssKib) ReadProcStatus()
    {
        long hwm = -1, rss = -1;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = ParseKib(line);
                }
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = ParseKib(line);
                }
            }
        }
        catch (IOException)
        {
            // Not Linux: leave -1.
        }

        return (hwm, rss);
    }

    private static long ParseKib(string line)
    {
        // "VmHWM:    123456 kB"
        string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : -1;
    }

    private static void Emit(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }
}
