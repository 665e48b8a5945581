using System;

namespace GreenProc.Ipc;

/// <summary>Where a map stands (see <see cref="ProcessPoolMapOptions.Progress"/>).</summary>
/// <param name="Completed">Tasks that returned a result.</param>
/// <param name="Failed">Tasks that failed, timed out or were cancelled.</param>
/// <param name="InFlight">Tasks taken from the input and not finished.</param>
/// <param name="Total">How many tasks there are, when the input's count is known; otherwise null.</param>
/// <param name="Elapsed">Time since the map started.</param>
public readonly record struct ProcessPoolProgress(long Completed, long Failed, long InFlight, long? Total, TimeSpan Elapsed)
{
    /// <summary>Finished tasks per second so far.</summary>
    public double Rate => Elapsed > TimeSpan.Zero ? (Completed + Failed) / Elapsed.TotalSeconds : 0;

    /// <summary>The finished fraction (0..1), when the total is known.</summary>
    public double? Fraction => Total is > 0 ? (double)(Completed + Failed) / Total.Value : null;
}
