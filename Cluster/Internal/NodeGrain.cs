using System;
using System.Threading;
using System.Threading.Tasks;
using Orleans;
using Orleans.Concurrency;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// The node's grain: a thin door to the silo's <see cref="ClusterNode"/>. Reentrant, so that many chunks run at once
/// and a heartbeat is answered while they do (the work happens in worker processes, not on Orleans' threads).
/// </summary>
[Reentrant]
[NodePlacement]
internal sealed class NodeGrain : Grain, INodeGrain
{
    private readonly ClusterNode _node;

    public NodeGrain(ClusterNode node)
    {
        _node = node;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The placement director puts this grain on the silo its key names; refuse to serve as another silo's node.
        string key = this.GetPrimaryKeyString();
        if (key != _node.Address)
        {
            throw new InvalidOperationException($"The GreenProc node grain for {key} was activated on {_node.Address}.");
        }

        return Task.CompletedTask;
    }

    public Task<NodeInfo> HelloAsync(HelloRequest request, CancellationToken cancellationToken) => Task.FromResult(_node.Hello(request));

    public Task<ChunkReply> RunChunkAsync(ChunkRequest request, CancellationToken cancellationToken) => _node.RunChunkAsync(request, cancellationToken);
}
