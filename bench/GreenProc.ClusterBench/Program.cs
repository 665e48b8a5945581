// GreenProc.ClusterBench: DistributedPool across Orleans silos on this machine against the local ProcessPool (issue 16).
// Every measurement prints ONE JSON line (as bench/GreenProc.Bench does); bench/cluster.sh runs the sides interleaved and
// prints the tables of docs/BENCHMARKS.md "Cluster (issue 16)"; docs/SCALING.md builds its model on them.
//
//   GreenProc.ClusterBench calibrate                 CPU work steps per ms on this machine (BenchTasks.Work), for the cpu_* cases
//   GreenProc.ClusterBench suite local|cluster [CASES]
//        local:   this process, a ProcessPool of 2 workers
//        cluster: this process an Orleans client; 2 silo PROCESSES (this program, --silo), each a GreenProc node with a
//                 pool of 1 worker (2 workers in all), connected over loopback TCP
//        CASES (comma-separated; default all): the trivial task Square(x) = x * x unless said otherwise
//          idle                                       3 s of nothing: the CPU the side burns in the background (ms/s)
//          tput_c1, tput_c1_w16, tput_c16, tput_c16_w16, tput_c256
//                                                     MapAsync of N items, ChunkSize 1 / 1 / 16 / 16 / 256 (cluster:
//                                                     ChunksPerWorker 2, the default, or 16 for _w16): µs per task,
//                                                     tasks/s, and the CPU per task of this process, the silos, the workers
//          rtt_submit                                 N sequential SubmitAsync: a chunk of one task, its round trip p50/p99
//          rtt_chunk16, rtt_chunk256                  N sequential maps of exactly one chunk of 16 / 256 tasks
//          rtt_ping                                   (cluster only) N sequential calls of a bare Orleans grain (PingGrain)
//          cpu_1ms, cpu_10ms                          a map of N CPU-bound tasks of ~1 / ~10 ms (BenchTasks.Work), the
//                                                     default chunking; cpu_1ms_c1 the same with ChunkSize 1
//   GreenProc.ClusterBench recover NODE_TIMEOUT_S [HEARTBEAT_S [all|primary]]
//        2 silo processes x 1 worker; an ordered Imap of 100 tasks that sleep 50 ms (ChunkSize 1), first whole (the
//        baseline), then again with silo 1 (not the primary) SIGKILLed 1 s in: the time from the kill to the map's end,
//        the longest wait for the next result, and when the pool stopped using / listing the node. One line each.
//        HEARTBEAT_S: DistributedPoolOptions.HeartbeatInterval (default 1). The client connects to every silo's
//        gateway (all, the default: the killed silo is also a gateway the client routes calls through) or to silo
//        0's alone (primary: the kill then takes a node only).
//   GreenProc.ClusterBench --silo INDEX SILO_PORT GATEWAY_PORT PRIMARY_SILO_PORT WORKERS    (the driver starts these)
//
// Environment: GREENPROC_CLUSTER_ITERS_PER_MS (the calibration, so that both sides run the same work; measured here
// when unset), GREENPROC_CLUSTER_SCALE (multiplies every N; 0.1 for a smoke test). Orleans logs at Warning, on stderr.
using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Tasks;

namespace GreenProc.ClusterBench;

internal static partial class Program
{
    private const string Usage = "usage: GreenProc.ClusterBench calibrate | suite local|cluster [CASES] | recover NODE_TIMEOUT_S [HEARTBEAT_S [all|primary]] | --silo INDEX SILO_PORT GATEWAY_PORT PRIMARY_SILO_PORT WORKERS";

    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        try
        {
            switch (args[0])
            {
                case "--silo":
                    return SiloMain.Run(args);
                case "calibrate":
                    Calibrate();
                    return 0;
                case "suite" when args.Length >= 2 && args[1] is "local" or "cluster":
                    SuiteAsync(args[1], args.Length > 2 ? args[2] : AllCases).GetAwaiter().GetResult();
                    return 0;
                case "recover" when args.Length >= 2 && (args.Length < 4 || args[3] is "all" or "primary"):
                    RecoverAsync(
                        double.Parse(args[1], CultureInfo.InvariantCulture),
                        args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1.0,
                        primaryGatewayOnly: args.Length > 3 && args[3] == "primary").GetAwaiter().GetResult();
                    return 0;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"{e.Message}\n{Usage}");
            return 2;
        }
    }

    private static double Scale()
        => Environment.GetEnvironmentVariable("GREENPROC_CLUSTER_SCALE") is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : 1.0;

    private static int Scaled(int n) => Math.Max(1, (int)Math.Round(n * Scale()));

    private static void Head(Utf8JsonWriter w, string bench, string side, int n)
    {
        w.WriteString("bench", bench);
        w.WriteString("side", side);
        w.WriteString("lib", "greenproc");
        w.WriteString("version", typeof(GreenProc.Cluster.DistributedPool).Assembly.GetName().Version?.ToString() ?? "?");
        w.WriteString("runtime", RuntimeInformation.FrameworkDescription);
        w.WriteNumber("n", n);
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
        Console.Out.Flush();
    }

    private static double R(double value, int digits = 3) => Math.Round(value, digits);
}
