using Orleans;

namespace GreenProc.Cluster.Internal;

/// <summary>What a node tells a submitter when asked (each heartbeat): how much it can take, and whether it still does.</summary>
[GenerateSerializer]
[Immutable]
internal sealed record NodeInfo
{
    /// <summary>The silo's address, as the node grain's key spells it.</summary>
    [Id(0)] public required string Node { get; init; }

    /// <summary>The node pool's worker count.</summary>
    [Id(1)] public int Workers { get; init; }

    /// <summary>The node is stopping: it takes no new chunks (those sent now fail and go elsewhere).</summary>
    [Id(2)] public bool Stopping { get; init; }

    /// <summary>The operating system's process id of the silo, for messages.</summary>
    [Id(3)] public int ProcessId { get; init; }

    /// <summary>Those of <see cref="HelloRequest.Calls"/> the node is running now.</summary>
    [Id(4)] public long[] Running { get; init; } = [];
}
