using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster.Internal;
using GreenProc.Ipc;

namespace GreenProc.Cluster.Tests;

[Collection(nameof(ClusterCollection))]
public sealed class DistributedPoolTests(ClusterFixture fixture)
{
    private DistributedPool NewPool(DistributedPoolOptions? options = null) => new(fixture.Cluster.Client, options);

    [Fact]
    public async Task Map_runs_on_every_node_and_keeps_input_order()
    {
        await using DistributedPool pool = NewPool();
        await pool.WaitForNodesAsync(2);
        int[] results = await pool.MapAsync<int, int>(ClusterTasks.Square, Enumerable.Range(0, 300), new ProcessPoolMapOptions { ChunkSize = 5 });
        Assert.Equal(Enumerable.Range(0, 300).Select(x => x * x), results);
        Assert.Equal(2, pool.Nodes.Count);
        Assert.All(pool.Nodes, n => Assert.True(n.ChunksDone > 0, $"node {n.Address} got no chunk"));
        Assert.Equal(60, pool.Nodes.Sum(n => n.ChunksDone));
    }

    [Fact]
    public async Task Tasks_run_in_the_nodes_worker_processes()
    {
        await using DistributedPool pool = NewPool();
        await pool.WaitForNodesAsync(2);
        int[] pids = await pool.MapAsync<int, int>(ClusterTasks.Pid, Enumerable.Range(0, 40), new ProcessPoolMapOptions { ChunkSize = 1 });
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.Equal(2, pids.Distinct().Count()); // one worker per node
        Assert.All(pids.Distinct(), pid => Assert.Contains(pid, TestClusters.Children()));
    }

    [Fact]
    public async Task ImapUnordered_yields_every_result_once_and_Imap_in_order()
    {
        await using DistributedPool pool = NewPool();
        var unordered = new List<int>();
        await foreach (int r in pool.ImapUnordered<int, int>(ClusterTasks.Square, AsyncRange(100), new ProcessPoolMapOptions { ChunkSize = 3 }))
        {
            unordered.Add(r);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), unordered.Order());
        var ordered = new List<int>();
        await foreach (int r in pool.Imap<int, int>(ClusterTasks.Square, Enumerable.Range(0, 100), new ProcessPoolMapOptions { ChunkSize = 3 }))
        {
            ordered.Add(r);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), ordered);
    }

    [Fact]
    public async Task Submit_takes_every_task_shape()
    {
        await using DistributedPool pool = NewPool();
        Assert.Equal(49, await pool.SubmitAsync<int, int>(ClusterTasks.Square, 7));
        Assert.Equal("héllo", await pool.SubmitAsync<string, string>(ClusterTasks.EchoAsync, "héllo"));
        Assert.Equal(-5L, await pool.SubmitAsync<long, long>(ClusterTasks.NegateAsync, 5L, Timeout.InfiniteTimeSpan));
        Assert.Empty(await pool.MapAsync<int, int>(ClusterTasks.Square, Array.Empty<int>()));
    }

    [Fact]
    public async Task A_task_exception_comes_back_with_its_type_message_and_remote_stack()
    {
        await using DistributedPool pool = NewPool();
        var e = await Assert.ThrowsAsync<GipcRemoteException>(() => pool.MapAsync<int, int>(ClusterTasks.FailAtFive, Enumerable.Range(0, 10)));
        Assert.True(e.Is<ArgumentException>(), e.RemoteType);
        Assert.Contains("item 5 is bad", e.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ClusterTasks.FailAtFive), e.RemoteStackTrace, StringComparison.Ordinal);
        Assert.NotEqual(Environment.ProcessId, e.ProcessId);
        Assert.NotEqual(0, e.ProcessId);
    }

    [Fact]
    public async Task A_task_that_crashes_its_worker_fails_alone_and_is_not_retried()
    {
        await using DistributedPool pool = NewPool();
        var results = new List<(int, string)>();
        for (int x = 0; x < 6; x++)
        {
            try
            {
                results.Add((await pool.SubmitAsync<int, int>(ClusterTasks.CrashOnThree, x), "ok"));
            }
            catch (WorkerCrashedException e)
            {
                results.Add((x, "crashed " + e.Signal));
            }
        }

        Assert.Equal([(0, "ok"), (1, "ok"), (2, "ok"), (3, "crashed 6"), (4, "ok"), (5, "ok")], results);
    }

    [Fact]
    public async Task A_task_past_its_timeout_fails_with_the_pools_timeout_exception()
    {
        await using DistributedPool pool = NewPool();
        var e = await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => pool.SubmitAsync<int, int>(ClusterTasks.WaitForCancel, 1, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(TimeSpan.FromMilliseconds(200), e.Timeout);
        Assert.NotEqual(0, e.Pid);

        // The map's timeout and the pool's default reach the nodes too.
        await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => pool.MapAsync<int, int>(ClusterTasks.WaitForCancel, [1], new ProcessPoolMapOptions { TaskTimeout = TimeSpan.FromMilliseconds(100) }));
        await using DistributedPool strict = NewPool(new DistributedPoolOptions { TaskTimeout = TimeSpan.FromMilliseconds(100) });
        await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => strict.SubmitAsync<int, int>(ClusterTasks.WaitForCancel, 1));
    }

    [Fact]
    public async Task Cancelling_a_map_cancels_its_tasks_on_the_nodes()
    {
        await using DistributedPool pool = NewPool();
        string dir = Directory.CreateTempSubdirectory("greenproc-cluster-").FullName;
        try
        {
            using var cts = new CancellationTokenSource();
            string[] paths = [Path.Combine(dir, "a"), Path.Combine(dir, "b")];
            Task<int[]> map = pool.MapAsync<string, int>(ClusterTasks.TouchThenWaitForCancel, paths, new ProcessPoolMapOptions { ChunkSize = 1 }, cts.Token);
            using (var watcher = new FileSystemWatcher(dir))
            {
                var both = new TaskCompletionSource();
                watcher.Created += (_, _) =>
                {
                    if (paths.All(File.Exists))
                    {
                        both.TrySetResult();
                    }
                };
                watcher.EnableRaisingEvents = true;
                if (!paths.All(File.Exists))
                {
                    await both.Task.WaitAsync(TimeSpan.FromSeconds(30));
                }
            }

            cts.Cancel();
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(cts.Token, e.CancellationToken);

            // The workers stopped their tasks (their tokens fired), so the nodes serve the next call at once.
            Assert.Equal(9, await pool.SubmitAsync<int, int>(ClusterTasks.Square, 3).WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_task_no_node_registered_is_refused()
    {
        await using DistributedPool pool = NewPool();
        var e = await Assert.ThrowsAsync<ClusterTaskRefusedException>(() => pool.SubmitAsync<int, int>(ClusterTasks.Unregistered, 1));
        Assert.Contains("Unregistered", e.Message, StringComparison.Ordinal);
        Assert.Contains("allow-list", e.Message, StringComparison.Ordinal);

        // Registered under other types is not registered: the key carries the argument and result types.
        await Assert.ThrowsAsync<ClusterTaskRefusedException>(() => pool.SubmitAsync<long, long>(SquareLong, 1));
    }

    private static long SquareLong(long x) => x * x;

    [Fact]
    public async Task Bad_arguments_fail_at_once()
    {
        await using DistributedPool pool = NewPool();
        int captured = 2;
        Assert.Throws<ArgumentException>(() => { _ = pool.SubmitAsync<int, int>(x => x * captured, 1); });
        Assert.Throws<ArgumentNullException>(() => { _ = pool.SubmitAsync<int, int>((Func<int, int>)null!, 1); });
        Assert.Throws<ArgumentNullException>(() => pool.Imap<int, int>(ClusterTasks.Square, (IEnumerable<int>)null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = pool.SubmitAsync<int, int>(ClusterTasks.Square, 1, TimeSpan.FromSeconds(-2)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Imap<int, int>(ClusterTasks.Square, [1], new ProcessPoolMapOptions { ChunkSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = pool.WaitForNodesAsync(0); });
        Assert.Throws<ArgumentNullException>(() => new DistributedPool(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedPool(fixture.Cluster.Client, new DistributedPoolOptions { NodeTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedPool(fixture.Cluster.Client, new DistributedPoolOptions { MaxAttempts = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedPool(fixture.Cluster.Client, new DistributedPoolOptions { HeartbeatInterval = Timeout.InfiniteTimeSpan }));
        Assert.Throws<ArgumentException>(() => new ClusterNodeOptions().AddTask<int, int>(x => x * captured));
    }

    [Fact]
    public async Task Infinite_timeouts_mean_no_timeout()
    {
        await using DistributedPool pool = NewPool(new DistributedPoolOptions { NoNodeTimeout = Timeout.InfiniteTimeSpan, TaskTimeout = Timeout.InfiniteTimeSpan });
        int[] squares = await pool.MapAsync<int, int>(ClusterTasks.Square, [1, 2, 3], new ProcessPoolMapOptions { TaskTimeout = Timeout.InfiniteTimeSpan });
        Assert.Equal(new[] { 1, 4, 9 }, squares);
        var node = new ClusterNodeOptions { StopGrace = Timeout.InfiniteTimeSpan };
        node.Validate();
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterNodeOptions { StopGrace = TimeSpan.FromSeconds(-3) }.Validate());
    }

    [Fact]
    public async Task A_disposed_pool_refuses_calls_and_ends_its_maps()
    {
        DistributedPool pool = NewPool();
        Task<int[]> running = pool.MapAsync<int, int>(ClusterTasks.WaitForCancel, Enumerable.Range(0, 4));
        await pool.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.SubmitAsync<int, int>(ClusterTasks.Square, 1));
        Assert.Throws<ObjectDisposedException>(() => pool.Imap<int, int>(ClusterTasks.Square, [1]));
        pool.Dispose(); // twice is fine

        // The nodes' workers were told to stop the tasks: a new pool is served at once.
        await using DistributedPool next = NewPool();
        Assert.Equal(4, await next.SubmitAsync<int, int>(ClusterTasks.Square, 2).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Leaving_an_imap_early_stops_reading_the_input()
    {
        await using DistributedPool pool = NewPool();
        int read = 0;
        IEnumerable<int> Endless()
        {
            for (int i = 0; ; i++)
            {
                Interlocked.Increment(ref read);
                yield return i;
            }
        }

        int taken = 0;
        await foreach (int r in pool.Imap<int, int>(ClusterTasks.Square, Endless(), new ProcessPoolMapOptions { ChunkSize = 4, MaxInFlight = 64 }))
        {
            Assert.Equal(taken * taken, r);
            if (++taken == 200)
            {
                break;
            }
        }

        int after = Volatile.Read(ref read);
        Assert.InRange(after, 200, 200 + 64 + 4); // never beyond the window (and one chunk)
        await Task.Yield();
        Assert.Equal(after, Volatile.Read(ref read)); // disposed: the input is no longer read
    }

    [Fact]
    public async Task Progress_counts_every_task()
    {
        await using DistributedPool pool = NewPool();
        var reports = new List<ProcessPoolProgress>();
        var progress = new SyncProgress(reports);
        await pool.MapAsync<int, int>(ClusterTasks.Square, Enumerable.Range(0, 50), new ProcessPoolMapOptions { ChunkSize = 5, Progress = progress });
        ProcessPoolProgress last = reports[^1];
        Assert.Equal(50, last.Completed);
        Assert.Equal(0, last.Failed);
        Assert.Equal(0, last.InFlight);
        Assert.Equal(50, last.Total);
    }

    [Fact]
    public async Task Usable_from_green_code()
    {
        await using DistributedPool pool = NewPool();
        int[]? results = null;
        await Task.Run(() => Green.Run(async () =>
        {
            Greenlet<int> other = Green.Spawn(async () =>
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(1));
                return 1;
            });
            results = await pool.MapAsync<int, int>(ClusterTasks.Square, Enumerable.Range(0, 20));
            Assert.Equal(1, await other);
        }));
        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), results);
    }

    [Fact]
    public async Task A_corrupt_argument_fails_its_task_and_the_node_serves_on()
    {
        string node = fixture.Cluster.Silos[0].SiloAddress.ToParsableString();
        INodeGrain grain = fixture.Cluster.Client.GetGrain<INodeGrain>(node);
        string key = TaskKey.Of(typeof(ClusterTasks).GetMethod(nameof(ClusterTasks.EchoAsync))!, typeof(string), typeof(string));
        ChunkReply reply = await grain.RunChunkAsync(new ChunkRequest { Task = key, Arguments = [[0xFF, 0xFF, 0xFF, 0x7F, 1], [2, 0, 0, 0, (byte)'o', (byte)'k']] }, CancellationToken.None);
        Assert.Equal(OutcomeKind.Threw, reply.Outcomes[0].Kind);
        Assert.Contains("GipcProtocolException", RemoteErrorText(reply.Outcomes[0]), StringComparison.Ordinal);
        Assert.Equal(node, reply.Node);
        Assert.Null(reply.Refused);
        await using DistributedPool pool = NewPool();
        Assert.Equal("fine", await pool.SubmitAsync<string, string>(ClusterTasks.EchoAsync, "fine"));
    }

    [Fact]
    public async Task A_call_cancelled_by_heartbeat_ends_on_the_node_whether_it_came_before_or_after()
    {
        // Orleans' own cancellation message can be lost with a gateway, or overtake its call; heartbeats carry the
        // submitter's cancellations until a node has them, and a node remembers those of calls not come yet.
        string node = fixture.Cluster.Silos[1].SiloAddress.ToParsableString();
        INodeGrain grain = fixture.Cluster.Client.GetGrain<INodeGrain>(node);
        string key = TaskKey.Of(typeof(ClusterTasks).GetMethod(nameof(ClusterTasks.WaitForCancel))!, typeof(int), typeof(int));
        byte[] one = [1, 0, 0, 0];
        var submitter = Guid.NewGuid();

        // Before: the cancellation comes first, then the call; the call's task ends at once.
        await grain.HelloAsync(new HelloRequest { Submitter = submitter, Cancel = [1] }, CancellationToken.None);
        ChunkReply early = await grain.RunChunkAsync(new ChunkRequest { Task = key, Arguments = [one], Submitter = submitter, Call = 1 }, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(OutcomeKind.Cancelled, early.Outcomes[0].Kind);

        // After: the call runs (the node says so), then a heartbeat cancels it.
        Task<ChunkReply> late = grain.RunChunkAsync(new ChunkRequest { Task = key, Arguments = [one], Submitter = submitter, Call = 2 }, CancellationToken.None);
        while ((await grain.HelloAsync(new HelloRequest { Submitter = submitter, Calls = [2] }, CancellationToken.None)).Running.Length == 0)
        {
            Assert.False(late.IsCompleted);
        }

        await grain.HelloAsync(new HelloRequest { Submitter = submitter, Cancel = [2] }, CancellationToken.None);
        Assert.Equal(OutcomeKind.Cancelled, (await late.WaitAsync(TimeSpan.FromSeconds(30))).Outcomes[0].Kind);

        // Its worker was freed: the node serves the next task at once.
        Assert.Equal(OutcomeKind.Result, (await grain.RunChunkAsync(new ChunkRequest { Task = TaskKey.Of(typeof(ClusterTasks).GetMethod(nameof(ClusterTasks.Square))!, typeof(int), typeof(int)), Arguments = [one] }, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30))).Outcomes[0].Kind);
    }

    private static string RemoteErrorText(TaskOutcome outcome) => GreenProc.Ipc.Internal.RemoteError.Read(outcome.Payload, outcome.Pid).RemoteType;

    private static async IAsyncEnumerable<int> AsyncRange(int n, [EnumeratorCancellation] CancellationToken token = default)
    {
        for (int i = 0; i < n; i++)
        {
            await Task.Yield();
            token.ThrowIfCancellationRequested();
            yield return i;
        }
    }

    /// <summary>Records reports on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SyncProgress(List<ProcessPoolProgress> reports) : IProgress<ProcessPoolProgress>
    {
        public void Report(ProcessPoolProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
