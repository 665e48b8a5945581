using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Ipc;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace GreenProc.Cluster.Tests;

/// <summary>Orleans' in-process test cluster, each silo a GreenProc node with a real one-worker pool.</summary>
internal static class TestClusters
{
    public static async Task<InProcessTestCluster> StartAsync(short silos, Action<ClusterNodeOptions>? node = null, bool greenProcNodes = true,
        Action<ISiloBuilder>? silo = null, Action<IClientBuilder>? client = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        if (silo is not null)
        {
            builder.ConfigureSilo((_, s) => silo(s));
        }

        if (client is not null)
        {
            builder.ConfigureClient(client);
        }

        if (greenProcNodes)
        {
            builder.ConfigureSilo((_, silo) => silo.AddGreenProcNode(n =>
            {
                n.Pool = new ProcessPoolOptions { Workers = 1, KillGrace = TimeSpan.FromSeconds(1) };
                ClusterTasks.Register(n);
                node?.Invoke(n);
            }));
        }

        InProcessTestCluster cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a cluster of its own, then stops it, heals every partition and checks that every
    /// worker process it started is gone, whether the body passed or failed.
    /// </summary>
    public static async Task WithClusterAsync(short silos, Func<InProcessTestCluster, Task> body, bool greenProcNodes = true,
        Action<ISiloBuilder>? silo = null, Action<IClientBuilder>? client = null)
    {
        int[] before = Children();
        InProcessTestCluster cluster = await StartAsync(silos, greenProcNodes: greenProcNodes, silo: silo, client: client);
        try
        {
            await body(cluster);
        }
        finally
        {
            Partition.HealAll();
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }

        await AssertNoChildrenLeftAsync(before);
    }

    /// <summary>Fast loss detection for tests that kill nodes (the defaults are 1 s and 5 s).</summary>
    public static DistributedPoolOptions Quick { get; } = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        NodeTimeout = TimeSpan.FromSeconds(2),
        NoNodeTimeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>This process's child processes (the nodes' workers), from /proc.</summary>
    public static int[] Children()
    {
        int self = Environment.ProcessId;
        return Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == self)
            .ToArray();
    }

    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Waits (bounded) until every worker started since <paramref name="before"/> was taken has exited and been
    /// reaped: the pools kill them when their silos stop, and reap them in the background. (The shared cluster's workers
    /// live on.)</summary>
    public static async Task AssertNoChildrenLeftAsync(int[] before)
    {
        foreach (int pid in Children().Except(before))
        {
            try
            {
                using Process child = Process.GetProcessById(pid);
                using var bound = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(20));
                await child.WaitForExitAsync(bound.Token); // ends once the process is gone, zombie included
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
            catch (OperationCanceledException)
            {
                // Reported below.
            }
        }

        int[] left = Children().Except(before).ToArray();
        Assert.True(left.Length == 0, $"worker processes left behind: {string.Join(", ", left)}");
    }
}
