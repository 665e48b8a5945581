using System;
using System.Collections.Generic;
using GreenProc.Cluster;

namespace DistributedPoolDemo;

/// <summary>One run of the job on the cluster.</summary>
/// <param name="Results">Each task's answer, by range index.</param>
/// <param name="Elapsed">From the map's start to its last result.</param>
/// <param name="Kill">The silo killed halfway, with <c>--kill-a-silo</c>.</param>
/// <param name="NodesAfter">The pool's nodes once the job was done.</param>
public sealed record JobRun(RangeCount[] Results, TimeSpan Elapsed, SiloKill? Kill, IReadOnlyList<ClusterNodeInfo> NodesAfter);
