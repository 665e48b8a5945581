using System;
using System.Threading;

namespace GreenProc;

// What the blocked-hub monitor reads (the switch counter, the callback running now), and its report.
public sealed partial class Hub
{
    /// <summary>How many callbacks the hub has run: it advances at every switch (a cheap liveness probe, read on the hub's
    /// thread; the greenproc.hub.switches counter publishes it).</summary>
    internal long SwitchCount => _switchCount;

    /// <summary>
    /// Raised by the blocked-hub monitor (<see cref="HubOptions.BlockingMonitor"/>), on the monitor's own thread, when
    /// one callback holds the hub longer than the threshold. Without a handler, one line goes to stderr.
    /// </summary>
    public event EventHandler<HubBlockedEventArgs>? Blocked;

    internal long VolatileSwitchCount => Volatile.Read(ref _switchCount);

    /// <summary>Whether a callback is running now (set around each one; read by the monitor).</summary>
    internal bool IsRunningCallback => Volatile.Read(ref _runningCallback) is not null;

    /// <summary>The callback running now, for the monitor's report.</summary>
    internal object? RunningCallback => Volatile.Read(ref _runningCallback);

    internal long CallbackStartedTicks => Volatile.Read(ref _callbackStarted);

    internal void RaiseBlocked(HubBlockedEventArgs report)
    {
        EventHandler<HubBlockedEventArgs>? handler = Blocked;
        try
        {
            if (handler is null)
            {
                Console.Error.WriteLine(report.ToString());
            }
            else
            {
                handler(this, report);
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"GreenProc: a Hub.Blocked handler threw: {e}");
        }
    }
}
