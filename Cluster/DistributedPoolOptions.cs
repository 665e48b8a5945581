using System;
using System.Threading;

namespace GreenProc.Cluster;

/// <summary>Settings of a <see cref="DistributedPool"/>: how it watches the nodes, and what it does when one is lost.</summary>
public sealed record DistributedPoolOptions
{
    /// <summary>The defaults.</summary>
    public static DistributedPoolOptions Default { get; } = new();

    /// <summary>How often the pool asks every node whether it is there, and the cluster which silos are. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a node may go without answering before the pool counts it lost and sends the chunks it holds to other
    /// nodes. This is the pool's own deadline, so that a dead machine costs seconds, not Orleans' 30-second response
    /// timeout; a node slower than this (not dead) has its chunks run again elsewhere, and the first answer for a chunk
    /// wins. A call that fails outright (the connection refused) sends its chunk elsewhere at once. Default 5 s.
    /// </summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>On how many nodes a chunk may be lost before its tasks fail with <see cref="ClusterNodeLostException"/>. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How long work may wait while no node can take it (none joined, all lost or stopping) before the map fails
    /// with <see cref="ClusterUnavailableException"/>. Default 30 s; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</summary>
    public TimeSpan NoNodeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many chunks a node is sent per worker of its pool before it answers one (its queue: a worker finishing
    /// a chunk finds the next one there). Default 2.</summary>
    public int ChunksPerWorker { get; init; } = 2;

    /// <summary>The tasks' default timeout on their nodes; null: each node pool's <see cref="Ipc.ProcessPoolOptions.TaskTimeout"/>.</summary>
    public TimeSpan? TaskTimeout { get; init; }

    internal DistributedPoolOptions Validate()
    {
        Positive(HeartbeatInterval, nameof(HeartbeatInterval));
        Positive(NodeTimeout, nameof(NodeTimeout));
        if (MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be at least 1.");
        }

        if (ChunksPerWorker < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunksPerWorker), ChunksPerWorker, "ChunksPerWorker must be at least 1.");
        }

        if (NoNodeTimeout < TimeSpan.Zero && NoNodeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(NoNodeTimeout), NoNodeTimeout, "NoNodeTimeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        _ = new Ipc.ProcessPoolMapOptions { TaskTimeout = TaskTimeout }.Validate(); // the pool's one timeout check
        return this;
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive, finite time.");
        }
    }
}
