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

    /// <summary>Calls the submitter has given up on (cancelled, or sent elsewhere): the node cancels them if it runs them,
    /// and otherwise remembers them, so that one that arrives later is cancelled at once. Sent with every heartbeat until
    /// one is answered: Orleans' own cancellation message can be lost with a gateway, or overtake its call.</summary>
    [Id(2)] public long[] Cancel { get; init; } = [];
}
