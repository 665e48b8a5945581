// The distributed pool in one page: three Orleans silos on this machine, each a separate process and a GreenProc node
// (a local ProcessPool behind a grain), and a client that maps a CPU-bound job (the primes below N, counted by trial
// division in ranges of equal work) across them, under a live progress line; then what each node did, and every
// result checked against a sieve run here. With --kill-a-silo, a non-primary silo is SIGKILLed once half the tasks are
// done: the pool counts its node lost within two seconds, runs its chunks on the other nodes, and the job completes.
// The same program is the silos: it starts itself again with --silo for each (SiloProgram.cs).
using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DistributedPoolDemo;
using GreenProc.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;

if (args.Length > 0 && args[0] == SiloSpec.Flag)
{
    return await SiloProgram.RunAsync(SiloSpec.Parse(args));
}

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(DemoOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(DemoOptions.Usage);
    return 0;
}

PrimeRange[] ranges = Primes.Split(options.N, options.Tasks);
string workersText = Job.Plural(options.Workers, "worker");
Console.WriteLine($"Counting the primes below {options.N:N0} by trial division, in {ranges.Length} tasks of about equal work,");
Console.WriteLine($"across {options.Silos} Orleans silos on this machine, each a separate process and a GreenProc node with {workersText} ({Environment.ProcessorCount} CPUs here).");
if (options.KillASilo)
{
    Console.WriteLine("Once half the tasks are done, a non-primary silo will be killed with SIGKILL.");
}

Console.WriteLine();

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // end the job and stop the silos, rather than die with them running
    cancel.Cancel();
};

var logs = new LogSink(options.Logs);
SiloCluster? cluster = null;
JobRun run;
TimeSpan stopTime = TimeSpan.Zero;
try
{
    long t0 = Stopwatch.GetTimestamp();
    cluster = await SiloCluster.StartAsync(options.Silos, options.Workers, logs, cancel.Token);
    TimeSpan ready = Stopwatch.GetElapsedTime(t0);
    foreach (SiloProcess s in cluster.Silos)
    {
        Console.WriteLine($"silo {s.Index}:    pid {s.Pid}, ports {s.Spec.SiloPort} (silo) and {s.Spec.GatewayPort} (gateway){(s.Spec.IsPrimary ? ", the primary" : "")}");
    }

    HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Services.AddSingleton<IHostLifetime, ParentOwnedLifetime>();
    builder.Logging.SetMinimumLevel(LogLevel.Warning).AddProvider(new SinkLoggerProvider(logs, "client"));

    // The client knows every silo's gateway, as a real one would. A call relayed by a gateway that dies is lost with it
    // even when its node lives; the pool's heartbeats ask each node about calls it has not answered for NodeTimeout, and
    // send again one the node does not know, instead of waiting Orleans' 30 s response timeout. --one-gateway connects
    // through silo 0's gateway only (silo 0 is never the one killed).
    int[] gateways = options.OneGateway ? [cluster.Silos[0].Spec.GatewayPort] : cluster.GatewayPorts;
    builder.UseOrleansClient(client => client.UseLocalhostClustering(gateways, SiloSpec.ServiceId, cluster.ClusterId));
    using IHost clientHost = builder.Build();
    long t1 = Stopwatch.GetTimestamp();
    await clientHost.StartAsync(cancel.Token);

    // Loss detection kept snappy for the demo: the pool asks every node four times a second, and counts one lost after
    // 2 s of silence (the defaults are 1 s and 5 s; Orleans itself would wait 30 s for a call to a dead silo).
    var poolOptions = new DistributedPoolOptions { NodeTimeout = TimeSpan.FromSeconds(2), HeartbeatInterval = TimeSpan.FromMilliseconds(250) };
    await using (var pool = new DistributedPool(clientHost.Services.GetRequiredService<IClusterClient>(), poolOptions))
    {
        await pool.WaitForNodesAsync(options.Silos, cancel.Token).WaitAsync(TimeSpan.FromSeconds(30), cancel.Token);
        Console.WriteLine($"cluster:   {options.Silos} silos ready in {ready.TotalSeconds:F2} s; the client saw {Job.Plural(options.Silos, "node")} {Stopwatch.GetElapsedTime(t1).TotalSeconds:F2} s later, "
            + (options.OneGateway ? "through silo 0's gateway" : "through every silo's gateway"));
        Console.WriteLine();
        run = await Job.RunAsync(pool, ranges, cluster, options.KillASilo, new ProgressLine(), cancel.Token);
    }

    await clientHost.StopAsync(CancellationToken.None);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.WriteLine();
    Console.WriteLine("cancelled: stopping the silos");
    return 130;
}
catch (Exception e)
{
    Console.WriteLine();
    Console.Error.WriteLine($"failed:    {e.GetType().Name}: {e.Message}");
    logs.Dump();
    return 3;
}
finally
{
    if (cluster is not null)
    {
        long stopping = Stopwatch.GetTimestamp();
        await cluster.DisposeAsync();
        stopTime = Stopwatch.GetElapsedTime(stopping);
    }
}

long[] expected = Primes.Expected(ranges);
int wrong = run.Results.Count(r => r.Primes != expected[r.Index]);
int missing = run.Results.Count(r => r.Pid == 0); // a default entry: no result came for that range

Console.WriteLine();
Console.WriteLine($"primes below {options.N:N0}: {run.Results.Sum(r => r.Primes):N0}");
Console.WriteLine($"job:       {ranges.Length} tasks in {run.Elapsed.TotalSeconds:F2} s (chunks of {Job.ChunkSize} task, sent to the node with the most free slots)");
foreach (SiloProcess s in cluster.Silos)
{
    RangeCount[] mine = run.Results.Where(r => r.Silo == s.Index).ToArray();
    ClusterNodeInfo? node = s.Killed
        ? run.Kill?.VictimNode
        : run.NodesAfter.FirstOrDefault(n => n.ProcessId == s.Pid);
    string chunks = node is null ? "chunks unknown" : Job.Plural(node.ChunksDone, "chunk") + " answered";
    string workers = string.Join(", ", mine.Select(r => r.Pid).Distinct().Order());
    Console.WriteLine($"silo {s.Index}:    {Job.Plural(mine.Length, "task")}, {chunks}, worker pid {(workers.Length == 0 ? "none" : workers)}{(s.Killed ? " (killed)" : "")}");
}

Console.WriteLine($"total:     {Job.Plural(run.Results.Length - missing, "task")} answered, of {ranges.Length}");
if (run.Kill is { } kill)
{
    string dropped = kill.DroppedAfter is { } d ? $"{d.TotalSeconds:F2} s after the kill" : "never (it still lists it)";
    string answered = kill.AnsweredAfter is { } a ? $"{a.TotalSeconds:F2} s after it" : "never";
    Console.WriteLine($"recovery:  the pool dropped silo {kill.Victim.Index}'s node {dropped}; the {Job.Plural(kill.InFlightAtKill, "task")} in flight at the kill were all answered {answered}");
    Console.WriteLine("nodes now: " + string.Join("\n           ", run.NodesAfter
        .Select(n => (Node: n, Silo: cluster.Silos.FirstOrDefault(s => s.Pid == n.ProcessId)))
        .OrderBy(x => x.Silo?.Index ?? int.MaxValue)
        .Select(x => $"silo {x.Silo?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} (pid {x.Node.ProcessId}): {(x.Node.Usable ? "usable" : "not usable")}, "
            + $"{Job.Plural(x.Node.Workers, "worker")}, {x.Node.ChunksInFlight} in flight, {x.Node.ChunksDone} chunks done")));
}

Console.WriteLine($"silos:     all {cluster.Silos.Length} stopped and reaped in {stopTime.TotalSeconds:F2} s ("
    + string.Join("; ", cluster.Silos.Select(s => $"silo {s.Index}: " + (s.Killed ? "SIGKILLed by the demo" : s.KilledAtStop ? "killed, it did not stop when asked" : "stopped") + $", exit {s.ExitCode}"))
    + ")");
Console.WriteLine(wrong == 0 && missing == 0
    ? $"checked:   all {ranges.Length} results agree with a sieve of Eratosthenes run here"
    : $"checked:   {wrong} results disagree with the sieve, {missing} are missing");
Console.WriteLine(logs.Count == 0
    ? "logs:      no warnings from Orleans"
    : $"logs:      {Job.Plural(logs.Count, "warning line")} from the silos and the client{(options.Logs ? "" : ", hidden (--logs shows them)")}");
return wrong == 0 && missing == 0 ? 0 : 1;
