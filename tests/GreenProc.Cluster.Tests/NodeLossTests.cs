using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace GreenProc.Cluster.Tests;

/// <summary>Nodes that go and come mid-map, on clusters of their own: no task lost, none reported twice.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class NodeLossTests(ITestOutputHelper output)
{
    private static readonly ProcessPoolMapOptions OneByOne = new() { ChunkSize = 1 };

    [Fact]
    public Task A_silo_killed_mid_map_loses_no_task() => LoseANodeMidMap(kill: true);

    [Fact]
    public Task A_silo_stopped_mid_map_loses_no_task() => LoseANodeMidMap(kill: false);

    private Task LoseANodeMidMap(bool kill) => TestClusters.WithClusterAsync(3, async cluster =>
    {
        var clock = Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds:0.000} s: {what}");
        await using var pool = new DistributedPool(cluster.Client, TestClusters.Quick);
        await pool.WaitForNodesAsync(3);
        var seen = new List<int>();
        string? lost = null;
        await foreach (int x in pool.Imap<int, int>(ClusterTasks.SlowIdentity, Enumerable.Range(0, 60), OneByOne).WithCancellation(Bounded()))
        {
            seen.Add(x);
            if (seen.Count == 10)
            {
                // A secondary silo with chunks of this map in flight (the primary holds the test membership table).
                ClusterNodeInfo victim = pool.Nodes.First(n => n.ChunksInFlight > 0 && n.Address != cluster.Silos[0].SiloAddress.ToParsableString());
                InProcessSiloHandle silo = cluster.Silos.First(s => s.SiloAddress.ToParsableString() == victim.Address);
                lost = victim.Address;
                Phase($"losing {lost}");
                if (kill)
                {
                    await cluster.KillSiloAsync(silo);
                }
                else
                {
                    await cluster.StopSiloAsync(silo);
                }

                Phase("lost");
            }
        }

        Phase("map done");
        Assert.Equal(Enumerable.Range(0, 60), seen); // every task once, in order
        Assert.NotNull(lost);
        Assert.DoesNotContain(pool.Nodes, n => n.Address == lost && n.Usable);

        // The survivors serve the next map as usual.
        Assert.Equal(Enumerable.Range(0, 10).Select(x => x * x), await pool.MapAsync<int, int>(ClusterTasks.Square, Enumerable.Range(0, 10)));
        Phase("second map done");
    });

    [Fact]
    public Task A_node_that_stops_answering_has_its_chunks_run_elsewhere_within_the_pools_deadline() => TestClusters.WithClusterAsync(
        2,
        async cluster =>
        {
            await using var pool = new DistributedPool(cluster.Client, TestClusters.Quick);
            await pool.WaitForNodesAsync(2);
            var seen = new List<int>();
            string? cut = null;
            await foreach (int x in pool.Imap<int, int>(ClusterTasks.SlowIdentity, Enumerable.Range(0, 40), OneByOne).WithCancellation(Bounded()))
            {
                seen.Add(x);
                if (seen.Count == 5)
                {
                    cut = pool.Nodes.First(n => n.ChunksInFlight > 0).Address;
                    Partition.Cut(cut);
                }
            }

            Assert.Equal(Enumerable.Range(0, 40), seen);
            Assert.DoesNotContain(pool.Nodes, n => n.Address == cut);

            // Healed, the node's held calls run late; their answers go nowhere (the pool cancelled those calls), and
            // the node comes back as a new one.
            Partition.Heal(cut!);
            await pool.WaitForNodesAsync(2, Bounded());
            Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), await pool.MapAsync<int, int>(ClusterTasks.Square, Enumerable.Range(0, 20), OneByOne));
        },
        silo: s => s.AddIncomingGrainCallFilter<Partition>(),

        // Orleans' response timeout raised to 10 minutes: only the pool's own NodeTimeout can rescue the map in time.
        client: c => c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10)));

    [Fact]
    public Task A_chunk_call_lost_on_the_way_goes_out_again_and_its_node_stays() => TestClusters.WithClusterAsync(
        2,
        async cluster =>
        {
            await using var pool = new DistributedPool(cluster.Client, TestClusters.Quick);
            await pool.WaitForNodesAsync(2);
            string swallowing = pool.Nodes[0].Address;
            int swallowedBefore = Partition.Swallowed;
            Partition.SwallowNextChunk(swallowing);
            int[] results = await pool.MapAsync<int, int>(ClusterTasks.SlowIdentity, Enumerable.Range(0, 30), OneByOne).WaitAsync(Bounded());
            Assert.Equal(Enumerable.Range(0, 30), results);
            Assert.Equal(swallowedBefore + 1, Partition.Swallowed);

            // Its node answered heartbeats throughout: it is neither lost nor blamed.
            Assert.Contains(pool.Nodes, n => n.Address == swallowing);
            await pool.WaitForNodesAsync(2, Bounded());
        },
        silo: s => s.AddIncomingGrainCallFilter<Partition>(),

        // Only the heartbeats' question about the call can rescue it before this.
        client: c => c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10)));

    [Fact]
    public Task A_chunk_lost_on_MaxAttempts_nodes_fails_its_tasks_with_ClusterNodeLostException() => TestClusters.WithClusterAsync(
        2,
        async cluster =>
        {
            await using var pool = new DistributedPool(cluster.Client, TestClusters.Quick with { MaxAttempts = 1 });
            await pool.WaitForNodesAsync(2);
            var seen = new List<int>();
            string? cut = null;
            var e = await Assert.ThrowsAsync<ClusterNodeLostException>(async () =>
            {
                await foreach (int x in pool.Imap<int, int>(ClusterTasks.SlowIdentity, Enumerable.Range(0, 40), OneByOne).WithCancellation(Bounded()))
                {
                    seen.Add(x);
                    if (seen.Count == 3)
                    {
                        cut = pool.Nodes.First(n => n.ChunksInFlight > 0).Address;
                        Partition.Cut(cut);
                    }
                }
            });
            Assert.Contains(cut!, e.Message, StringComparison.Ordinal);
            Assert.Contains("MaxAttempts", e.Message, StringComparison.Ordinal);
            Assert.Equal(Enumerable.Range(0, seen.Count), seen); // what came before the lost chunk, in order, once
        },
        silo: s => s.AddIncomingGrainCallFilter<Partition>());

    [Fact]
    public Task A_node_joining_mid_map_gets_work() => TestClusters.WithClusterAsync(1, async cluster =>
    {
        await using var pool = new DistributedPool(cluster.Client, TestClusters.Quick);
        await pool.WaitForNodesAsync(1);
        string first = pool.Nodes[0].Address;
        Task<InProcessSiloHandle>? joining = null;

        // The input runs until the new node has answered a few chunks: no race with the silo's start-up time.
        async IAsyncEnumerable<int> Input([EnumeratorCancellation] CancellationToken token = default)
        {
            for (int i = 0; i < 100_000; i++)
            {
                if (i == 5)
                {
                    joining = cluster.StartAdditionalSiloAsync();
                }

                if (i > 5 && pool.Nodes.Any(n => n.Address != first && n.ChunksDone >= 3))
                {
                    yield break;
                }

                await Task.Yield();
                token.ThrowIfCancellationRequested();
                yield return i;
            }
        }

        int[] results = await pool.MapAsync<int, int>(ClusterTasks.SlowIdentity, Input(), OneByOne).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(Enumerable.Range(0, results.Length), results);
        Assert.True(results.Length < 100_000, "the new node never got work");
        Assert.NotNull(joining);
        await joining;
        Assert.Equal(2, pool.Nodes.Count);
    });

    [Fact]
    public Task With_no_node_a_map_fails_after_its_deadline() => TestClusters.WithClusterAsync(
        1,
        async cluster =>
        {
            await using var pool = new DistributedPool(cluster.Client, TestClusters.Quick with { NoNodeTimeout = TimeSpan.FromMilliseconds(500) });
            var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() => pool.MapAsync<int, int>(ClusterTasks.Square, [1, 2]).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("AddGreenProcNode", e.Message, StringComparison.Ordinal);
            Assert.Empty(pool.Nodes);
        },
        greenProcNodes: false);

    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
}
