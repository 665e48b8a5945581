using System.Threading.Tasks;
using Orleans;
using Orleans.Concurrency;

namespace GreenProc.ClusterBench;

/// <summary>A bare Orleans grain call, client to silo and back: the floor under a DistributedPool chunk's round trip
/// (which adds the node's pool, the chunk's encoding and the map's bookkeeping).</summary>
internal interface IPingGrain : IGrainWithIntegerKey
{
    Task<int> PingAsync(int x);
}

/// <summary>Answers at once, reentrant (as the node grain is).</summary>
[Reentrant]
internal sealed class PingGrain : Grain, IPingGrain
{
    public Task<int> PingAsync(int x) => Task.FromResult(x);
}
