using System.Threading;
using System.Threading.Tasks;
using Orleans;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// A node's entry point: one activation per silo, keyed by the silo's address and placed on that silo by
/// <see cref="NodePlacementDirector"/>, owning nothing itself (the silo's <see cref="ClusterNode"/> owns the pool).
/// </summary>
internal interface INodeGrain : IGrainWithStringKey
{
    /// <summary>The node's capacity and state, and which of the submitter's calls it is running: a submitter's heartbeat.</summary>
    Task<NodeInfo> HelloAsync(HelloRequest request, CancellationToken cancellationToken);

    /// <summary>Runs a chunk on the node's pool and answers with every task's outcome, or a refusal (a task the node
    /// has not registered; a node that is stopping).</summary>
    Task<ChunkReply> RunChunkAsync(ChunkRequest request, CancellationToken cancellationToken);
}
