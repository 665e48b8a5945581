using System;

namespace ProcessPoolDemo;

/// <summary>One run of the job on a pool.</summary>
/// <param name="Results">Each task's answer, by range index (only the ranges run).</param>
/// <param name="Elapsed">From the first task submitted to the last result (the pool's start not included).</param>
/// <param name="Ready">From <c>new ProcessPool</c> to every worker ready.</param>
/// <param name="Divisions">The work done: trial divisions over all the ranges run.</param>
public sealed record JobRun(RangeCount[] Results, TimeSpan Elapsed, TimeSpan Ready, long Divisions);
