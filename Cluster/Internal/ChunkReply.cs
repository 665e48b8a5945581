using Orleans;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// A node's answer to a chunk: every task's outcome in order (the node answers once all have one), or a refusal of the
/// whole chunk. Refusals travel as data, not exceptions, so that nothing but GreenProc's own types crosses the wire.
/// </summary>
[GenerateSerializer]
[Immutable]
internal sealed record ChunkReply
{
    /// <summary>The outcomes, one per argument; empty when the chunk was refused.</summary>
    [Id(0)] public required TaskOutcome[] Outcomes { get; init; }

    /// <summary>The node that answered (the silo's address), for messages.</summary>
    [Id(1)] public required string Node { get; init; }

    /// <summary>Set when the node does not run this task (not on its allow-list): why, for the submitter's exception.</summary>
    [Id(2)] public string? Refused { get; init; }

    /// <summary>The node is stopping and ran nothing: the chunk goes to another node.</summary>
    [Id(3)] public bool Stopping { get; init; }
}
