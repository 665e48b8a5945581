using System;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// Places a node grain on the silo its key names. Orleans' own strategies choose a silo (random, local, by load); a
/// submitter must choose it, to send a chunk where there is free capacity and to know which chunks a lost silo held.
/// </summary>
[GenerateSerializer]
[Immutable]
internal sealed class NodePlacement : PlacementStrategy
{
    internal static NodePlacement Instance { get; } = new();
}

/// <summary>Marks a grain class for <see cref="NodePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class NodePlacementAttribute : PlacementAttribute
{
    public NodePlacementAttribute()
        : base(NodePlacement.Instance)
    {
    }
}
