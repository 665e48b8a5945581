namespace GreenProc.Cluster;

/// <summary>A node as a <see cref="DistributedPool"/> sees it (<see cref="DistributedPool.Nodes"/>).</summary>
/// <param name="Address">The silo's address (Orleans' parsable form).</param>
/// <param name="ProcessId">The silo's process id on its machine.</param>
/// <param name="Workers">Its pool's workers.</param>
/// <param name="ChunksInFlight">Chunks this pool's maps have sent it and not heard back about.</param>
/// <param name="ChunksDone">Chunks it has answered for this pool.</param>
/// <param name="Usable">Whether it takes new chunks (not stopping, and answering).</param>
public sealed record ClusterNodeInfo(string Address, int ProcessId, int Workers, int ChunksInFlight, long ChunksDone, bool Usable);
