using System;
using System.Threading.Tasks;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// Puts a node grain on the silo named by its key, and nowhere else: when that silo is gone (or never was a node), the
/// activation fails and so does the call, which is what a submitter needs to hear.
/// </summary>
internal sealed class NodePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        foreach (SiloAddress silo in context.GetCompatibleSilos(target))
        {
            if (silo.ToParsableString() == key)
            {
                return Task.FromResult(silo);
            }
        }

        throw new SiloUnavailableException($"GreenProc cluster node {key} is not an active silo of this cluster (it stopped or died, or does not run AddGreenProcNode).");
    }
}
