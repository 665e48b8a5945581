using System;
using System.Collections.Generic;
using System.Linq;
using GreenProc.Cluster;

namespace DistributedPoolDemo;

/// <summary>
/// The kill of <c>--kill-a-silo</c> and what followed: which silo, when, what it held, and how long the pool took to
/// give up on it and to answer everything that was in flight at that moment (the lost node's tasks included, run again
/// on the others).
/// </summary>
/// <remarks>Thread-safe: the pool's progress reports (on its thread) and the results (on the demo's) both update it.</remarks>
public sealed class SiloKill
{
    private readonly object _gate = new();
    private readonly HashSet<int> _unanswered; // tasks in flight at the kill still without a result

    private SiloKill(SiloProcess victim, int afterTasks, TimeSpan at, IReadOnlyList<ClusterNodeInfo> nodes, int[] inFlight)
    {
        Victim = victim;
        AfterTasks = afterTasks;
        At = at;
        NodesAtKill = nodes;
        InFlightAtKill = inFlight.Length;
        _unanswered = [.. inFlight];
        AnsweredAfter = inFlight.Length == 0 ? TimeSpan.Zero : null;
    }

    public SiloProcess Victim { get; }

    /// <summary>How many tasks were done when it was killed.</summary>
    public int AfterTasks { get; }

    /// <summary>When, on the job's clock.</summary>
    public TimeSpan At { get; }

    /// <summary>The pool's nodes just before the kill.</summary>
    public IReadOnlyList<ClusterNodeInfo> NodesAtKill { get; }

    /// <summary>The victim's node just before the kill (null if the pool did not list it).</summary>
    public ClusterNodeInfo? VictimNode => NodesAtKill.FirstOrDefault(n => n.ProcessId == Victim.Pid);

    /// <summary>Tasks read from the input and not answered when it was killed, on any node.</summary>
    public int InFlightAtKill { get; }

    /// <summary>From the kill until the pool no longer listed the victim's node (it counted it lost).</summary>
    public TimeSpan? DroppedAfter { get; private set; }

    /// <summary>From the kill until every task in flight at the kill had its result.</summary>
    public TimeSpan? AnsweredAfter { get; private set; }

    /// <summary>
    /// SIGKILLs the non-primary silo with the most chunks in flight (the one whose loss the pool must recover from),
    /// the last of them if none has any. Silo 0 is spared: it holds the development membership table, and the cluster
    /// would not outlive it.
    /// </summary>
    public static SiloKill Run(SiloCluster cluster, IReadOnlyList<ClusterNodeInfo> nodes, int afterTasks, TimeSpan at, int[] inFlight)
    {
        SiloProcess victim = cluster.Silos
            .Where(s => !s.Spec.IsPrimary)
            .OrderByDescending(s => nodes.FirstOrDefault(n => n.ProcessId == s.Pid)?.ChunksInFlight ?? 0)
            .ThenByDescending(s => s.Index)
            .First();
        victim.Kill();
        return new SiloKill(victim, afterTasks, at, nodes, inFlight);
    }

    /// <summary>The pool's node list now: notes when the victim left it.</summary>
    public void Watch(IReadOnlyList<ClusterNodeInfo> nodes, TimeSpan now)
    {
        lock (_gate)
        {
            if (DroppedAfter is null && !nodes.Any(n => n.ProcessId == Victim.Pid))
            {
                DroppedAfter = now - At;
            }
        }
    }

    /// <summary>A task's result came: notes when the last of those in flight at the kill did.</summary>
    public void Answered(int index, TimeSpan now)
    {
        lock (_gate)
        {
            if (_unanswered.Remove(index) && _unanswered.Count == 0)
            {
                AnsweredAfter = now - At;
            }
        }
    }
}
