using System;
using Orleans;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// One chunk of a map as it travels to a node: the task by its allow-list key (never a type or method the node would
/// load), and each argument already encoded by GreenProc's binary codec, so Orleans carries only bytes.
/// </summary>
[GenerateSerializer]
[Immutable]
internal sealed record ChunkRequest
{
    /// <summary>The task's key (<see cref="TaskKey"/>): the node runs it only if it registered that key.</summary>
    [Id(0)] public required string Task { get; init; }

    /// <summary>The arguments, each a binary-codec payload.</summary>
    [Id(1)] public required byte[][] Arguments { get; init; }

    /// <summary>Each task's timeout on the node; null: the node pool's default.</summary>
    [Id(2)] public TimeSpan? TaskTimeout { get; init; }

    /// <summary>The submitting pool (a <see cref="DistributedPool"/>) and its number for this call: heartbeats ask the node
    /// about calls by these.</summary>
    [Id(3)] public Guid Submitter { get; init; }

    [Id(4)] public long Call { get; init; }
}
