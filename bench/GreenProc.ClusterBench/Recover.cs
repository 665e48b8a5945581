// The recovery drill (Program.cs: recover NODE_TIMEOUT_S [HEARTBEAT_S]): a silo process SIGKILLed in the middle of a map.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster;
using GreenProc.Ipc;

namespace GreenProc.ClusterBench;

internal static partial class Program
{
    private const int DrillTasks = 100;
    private const double DrillKillAt = 1.0;

    private static async Task RecoverAsync(double nodeTimeoutS, double heartbeatS, bool primaryGatewayOnly)
    {
        var options = new DistributedPoolOptions
        {
            NodeTimeout = TimeSpan.FromSeconds(nodeTimeoutS),
            HeartbeatInterval = TimeSpan.FromSeconds(heartbeatS),
        };
        SiloCluster cluster = await SiloCluster.StartAsync(Silos, WorkersPerSilo, primaryGatewayOnly).ConfigureAwait(false);
        await using (cluster.ConfigureAwait(false))
        {
            DistributedPool pool = new(cluster.Client, options);
            await using (pool.ConfigureAwait(false))
            {
                await pool.WaitForNodesAsync(Silos).ConfigureAwait(false);
                await pool.MapAsync<int, int>(BenchTasks.SleepIdentity, Enumerable.Range(0, 8).ToArray(), new ProcessPoolMapOptions { ChunkSize = 1 }).ConfigureAwait(false);

                Drill baseline = await DrillAsync(pool, null).ConfigureAwait(false);
                EmitDrill("cluster_recover_nokill", options, primaryGatewayOnly, baseline, null);
                Drill killed = await DrillAsync(pool, cluster.Silos[1]).ConfigureAwait(false);
                EmitDrill("cluster_recover_kill", options, primaryGatewayOnly, killed, baseline, cluster.Silos);
            }
        }
    }

    private sealed record Drill(
        string Outcome, double Seconds, double KillAt, int DoneAtKill, double MaxGapAfterKill,
        double NodeUnusable, double NodeGone, double SurvivorUnusable, int KilledWorkers, int WorkersLeft, int Nodes);

    /// <summary>One ordered Imap of <see cref="DrillTasks"/> sleeping tasks, ChunkSize 1; with <paramref name="victim"/>,
    /// that silo SIGKILLed <see cref="DrillKillAt"/> s in. Times are from the map's start; node times from the kill.</summary>
    private static async Task<Drill> DrillAsync(DistributedPool pool, SiloCluster.Silo? victim)
    {
        var arrivals = new List<double>(DrillTasks);
        long t0 = Stopwatch.GetTimestamp();
        double killAt = double.NaN;
        List<int> killedWorkers = [];
        using var stopWatching = new CancellationTokenSource();
        double unusable = double.NaN, gone = double.NaN;

        Task killer = victim is null ? Task.CompletedTask : Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(DrillKillAt)).ConfigureAwait(false);
            killedWorkers = ProcStats.Children(victim.Pid);
            killAt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            SiloCluster.KillSiloOnly(victim);
        });

        // Polls the pool's view every 5 ms from the kill on: when it stopped sending chunks to the victim and when it
        // dropped it from the list; and for how long the surviving node could not take chunks either (suspected after
        // a failed call, until its next heartbeat).
        double survivorUnusable = 0;
        bool mapDone = false;
        Task watcher = victim is null ? Task.CompletedTask : Task.Run(async () =>
        {
            await killer.ConfigureAwait(false);
            double last = 0;
            while (!stopWatching.IsCancellationRequested && (double.IsNaN(gone) || !Volatile.Read(ref mapDone)))
            {
                double now = Stopwatch.GetElapsedTime(t0).TotalSeconds - killAt;
                ClusterNodeInfo[] nodes = [.. pool.Nodes];
                ClusterNodeInfo? node = Array.Find(nodes, n => n.ProcessId == victim.Pid);
                if (node is null && double.IsNaN(gone))
                {
                    gone = now;
                }

                if ((node is null || !node.Usable) && double.IsNaN(unusable))
                {
                    unusable = now;
                }

                if (!Volatile.Read(ref mapDone) && !Array.Exists(nodes, n => n.ProcessId != victim.Pid && n.Usable))
                {
                    survivorUnusable += now - last;
                }

                last = now;
                await Task.Delay(5).ConfigureAwait(false);
            }
        });

        string outcome = "ok";
        try
        {
            int expected = 0;
            await foreach (int r in pool.Imap<int, int>(BenchTasks.SleepIdentity, Enumerable.Range(0, DrillTasks), new ProcessPoolMapOptions { ChunkSize = 1 }).ConfigureAwait(false))
            {
                arrivals.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                if (r != expected++)
                {
                    throw new InvalidOperationException($"result {expected - 1} is {r}");
                }
            }

            if (expected != DrillTasks)
            {
                outcome = $"only {expected} results";
            }
        }
        catch (Exception e)
        {
            outcome = $"{e.GetType().Name}: {e.Message}";
        }

        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        Volatile.Write(ref mapDone, true);
        await killer.ConfigureAwait(false);

        // The node leaves the list some time after the map could go on without it: wait for that (bounded).
        await Task.WhenAny(watcher, Task.Delay(TimeSpan.FromSeconds(60))).ConfigureAwait(false);
        await stopWatching.CancelAsync().ConfigureAwait(false);
        await watcher.ConfigureAwait(false);

        int workersLeft = 0;
        if (victim is not null)
        {
            // The killed silo's workers should notice their parent is gone (their pipes close) and exit by themselves.
            var wait = Stopwatch.StartNew();
            while (killedWorkers.Any(ProcStats.Alive) && wait.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(50).ConfigureAwait(false); // polling the OS: no event to wait on for a stranger's exit
            }

            foreach (int pid in killedWorkers.Where(ProcStats.Alive))
            {
                workersLeft++;
                try
                {
                    using Process p = Process.GetProcessById(pid);
                    p.Kill(); // cleaned up here, reported in the JSON line
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                }
            }
        }

        double maxGap = double.NaN;
        int doneAtKill = 0;
        if (!double.IsNaN(killAt))
        {
            double last = killAt;
            maxGap = 0;
            foreach (double a in arrivals)
            {
                if (a <= killAt)
                {
                    doneAtKill++;
                    continue;
                }

                maxGap = Math.Max(maxGap, a - last);
                last = a;
            }
        }

        return new Drill(outcome, seconds, killAt, doneAtKill, maxGap, unusable, gone, survivorUnusable, killedWorkers.Count, workersLeft, pool.Nodes.Count);
    }

    private static void EmitDrill(string bench, DistributedPoolOptions options, bool primaryGatewayOnly, Drill d, Drill? baseline, IReadOnlyList<SiloCluster.Silo>? silos = null)
    {
        Emit(w =>
        {
            Head(w, bench, "cluster", DrillTasks);
            w.WriteString("outcome", d.Outcome);
            w.WriteNumber("node_timeout_s", options.NodeTimeout.TotalSeconds);
            w.WriteNumber("heartbeat_s", options.HeartbeatInterval.TotalSeconds);
            w.WriteString("client_gateways", primaryGatewayOnly ? "primary" : "all");
            w.WriteNumber("task_ms", BenchTasks.SleepMs);
            w.WriteNumber("workers", Silos * WorkersPerSilo);
            w.WriteNumber("seconds", R(d.Seconds));
            if (baseline is null)
            {
                w.WriteNumber("rest_after_kill_point_s", R(d.Seconds - DrillKillAt));
                return;
            }

            // Without recovery costs, the rest of the map would run on the one worker left: twice the baseline's rest.
            double oneNodeRest = 2 * (baseline.Seconds - d.KillAt);
            w.WriteNumber("kill_at_s", R(d.KillAt));
            w.WriteNumber("results_before_kill", d.DoneAtKill);
            w.WriteNumber("kill_to_done_s", R(d.Seconds - d.KillAt));
            w.WriteNumber("nokill_rest_s", R(baseline.Seconds - d.KillAt));
            w.WriteNumber("one_node_rest_est_s", R(oneNodeRest));
            w.WriteNumber("recovery_cost_s", R(d.Seconds - d.KillAt - oneNodeRest));
            w.WriteNumber("max_gap_after_kill_s", R(d.MaxGapAfterKill));
            w.WriteNumber("node_unusable_s", R(d.NodeUnusable));
            w.WriteNumber("node_gone_s", R(d.NodeGone));
            w.WriteNumber("survivor_unusable_s", R(d.SurvivorUnusable));
            w.WriteNumber("nodes_after", d.Nodes);
            w.WriteNumber("killed_silo_workers", d.KilledWorkers);
            w.WriteNumber("killed_silo_workers_left_after_5s", d.WorkersLeft);
            if (silos is not null)
            {
                // To match the Orleans warnings in the log (a call's silo and the gateway it went through): S127.0.0.1:PORT.
                w.WriteNumber("killed_silo_port", silos[1].SiloPort);
                w.WriteNumber("killed_gateway_port", silos[1].GatewayPort);
                w.WriteNumber("survivor_silo_port", silos[0].SiloPort);
                w.WriteNumber("survivor_gateway_port", silos[0].GatewayPort);
            }
        });
    }
}
