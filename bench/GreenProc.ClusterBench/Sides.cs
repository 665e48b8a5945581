using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Cluster;
using GreenProc.Ipc;

namespace GreenProc.ClusterBench;

/// <summary>CPU seconds spent by this process, by the node (silo) processes, and by the worker processes.</summary>
internal readonly record struct Cpu(double Self, double Nodes, double Workers)
{
    public static Cpu operator -(Cpu a, Cpu b) => new(a.Self - b.Self, a.Nodes - b.Nodes, a.Workers - b.Workers);
}

/// <summary>One side of a comparison: the local pool, or the cluster; the cases run the same calls on either.</summary>
internal interface ISide : IAsyncDisposable
{
    /// <summary>"local" or "cluster".</summary>
    string Name { get; }

    /// <summary>Worker processes in all.</summary>
    int Workers { get; }

    /// <summary>How the side is laid out, for the JSON line.</summary>
    string Layout { get; }

    /// <summary>From nothing to ready for work (s).</summary>
    double StartSeconds { get; }

    /// <summary>A map; <paramref name="chunksPerWorker"/> is the cluster's <see cref="DistributedPoolOptions.ChunksPerWorker"/>
    /// (the local pool has no such setting: ignored there).</summary>
    Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> task, IReadOnlyCollection<TArg> items, int? chunk, int chunksPerWorker);

    Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, TResult> task, TArg argument);

    Cpu Cpu();
}

/// <summary>A <see cref="ProcessPool"/> in this process (no hub: the pool runs its own hub thread).</summary>
internal sealed class LocalSide : ISide
{
    private readonly ProcessPool _pool;
    private int[] _workerPids = [];

    private LocalSide(ProcessPool pool, double startSeconds)
    {
        _pool = pool;
        StartSeconds = startSeconds;
    }

    public string Name => "local";

    public int Workers { get; private init; }

    public string Layout => $"one process, a ProcessPool of {Workers} workers";

    public double StartSeconds { get; }

    public static async Task<LocalSide> StartAsync(int workers)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var pool = new ProcessPool(new ProcessPoolOptions { Workers = workers });
        await pool.WaitReadyAsync().ConfigureAwait(false);
        var side = new LocalSide(pool, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds) { Workers = workers };
        side._workerPids = [.. ProcStats.Children(Environment.ProcessId)];
        return side;
    }

    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> task, IReadOnlyCollection<TArg> items, int? chunk, int chunksPerWorker)
        => _pool.MapAsync(task, items, new ProcessPoolMapOptions { ChunkSize = chunk });

    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, TResult> task, TArg argument) => _pool.SubmitAsync(task, argument);

    public Cpu Cpu() => new(Environment.CpuUsage.TotalTime.TotalSeconds, 0, ProcStats.Ticks(_workerPids) * ProcStats.TickSeconds);

    public ValueTask DisposeAsync() => _pool.DisposeAsync();
}

/// <summary>A <see cref="DistributedPool"/> in this process, an Orleans client of <see cref="SiloCluster"/>'s silo processes.</summary>
internal sealed class ClusterSide : ISide
{
    private readonly SiloCluster _cluster;
    private readonly Dictionary<int, DistributedPool> _pools = [];  // by ChunksPerWorker
    private readonly int _workersPerSilo;
    private int[] _workerPids = [];

    private ClusterSide(SiloCluster cluster, int workersPerSilo)
    {
        _cluster = cluster;
        _workersPerSilo = workersPerSilo;
    }

    public string Name => "cluster";

    public int Workers => _cluster.Silos.Count * _workersPerSilo;

    public string Layout => $"this process an Orleans client; {_cluster.Silos.Count} silo processes (loopback TCP), each a node with {_workersPerSilo} worker(s)";

    public double StartSeconds { get; private set; }

    public SiloCluster Cluster => _cluster;

    public static async Task<ClusterSide> StartAsync(int silos, int workersPerSilo)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        SiloCluster cluster = await SiloCluster.StartAsync(silos, workersPerSilo).ConfigureAwait(false);
        var side = new ClusterSide(cluster, workersPerSilo);
        try
        {
            await side.Pool(DistributedPoolOptions.Default.ChunksPerWorker).WaitForNodesAsync(silos).ConfigureAwait(false);
        }
        catch
        {
            await side.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        side.StartSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
        side._workerPids = cluster.Silos.SelectMany(s => ProcStats.Children(s.Pid)).ToArray();
        return side;
    }

    public DistributedPool Pool(int chunksPerWorker)
    {
        if (!_pools.TryGetValue(chunksPerWorker, out DistributedPool? pool))
        {
            pool = new DistributedPool(_cluster.Client, new DistributedPoolOptions { ChunksPerWorker = chunksPerWorker });
            _pools[chunksPerWorker] = pool;
        }

        return pool;
    }

    public async Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> task, IReadOnlyCollection<TArg> items, int? chunk, int chunksPerWorker)
    {
        DistributedPool pool = Pool(chunksPerWorker);
        if (pool.Nodes.Count < _cluster.Silos.Count)
        {
            await pool.WaitForNodesAsync(_cluster.Silos.Count).ConfigureAwait(false); // a fresh pool greets the nodes first
        }

        return await pool.MapAsync(task, items, new ProcessPoolMapOptions { ChunkSize = chunk }).ConfigureAwait(false);
    }

    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, TResult> task, TArg argument)
        => Pool(DistributedPoolOptions.Default.ChunksPerWorker).SubmitAsync(task, argument);

    public Cpu Cpu() => new(
        Environment.CpuUsage.TotalTime.TotalSeconds,
        ProcStats.Ticks(_cluster.Silos.Select(s => s.Pid)) * ProcStats.TickSeconds,
        ProcStats.Ticks(_workerPids) * ProcStats.TickSeconds);

    public async ValueTask DisposeAsync()
    {
        foreach (DistributedPool pool in _pools.Values)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }

        await _cluster.DisposeAsync().ConfigureAwait(false);
    }
}
