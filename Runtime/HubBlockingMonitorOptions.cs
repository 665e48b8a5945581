using System;

namespace GreenProc;

/// <summary>
/// Turns on the blocked-hub monitor (gevent's <c>max_blocking_time</c>): a watchdog thread reports any callback
/// that holds the hub longer than <see cref="Threshold"/> (a greenlet that called a blocking API, a long loop).
/// </summary>
public sealed record HubBlockingMonitorOptions
{
    /// <summary>How long one callback may hold the hub before it is reported (default 100 ms).</summary>
    public TimeSpan Threshold { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Also report the hub thread's stack, taken when the blocking callback returns (.NET cannot sample another
    /// thread's stack in-process; the report made while blocked names the async method that is running).
    /// </summary>
    public bool CaptureStack { get; init; }
}
