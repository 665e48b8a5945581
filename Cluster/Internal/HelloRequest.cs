using System;
using Orleans;

namespace GreenProc.Cluster.Internal;

/// <summary>A heartbeat: from which submitter, and which of its chunk calls to the node it has not heard back about for a
/// while (the node says which of them it is running; one it does not know was lost on the way).</summary>
[GenerateSerializer]
[Immutable]
internal sealed record HelloRequest
{
    [Id(0)] public Guid Submitter { get; init; }

    [Id(1)] public long[] Calls { get; init; } = [];
}
