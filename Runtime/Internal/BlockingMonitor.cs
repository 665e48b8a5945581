using System;
using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// The watchdog of a hub: a background thread that samples the hub's switch counter. If the counter has not moved
/// for longer than the threshold while the hub is not waiting in its reactor, one callback is holding the hub: it is
/// reported once. The hub's side costs nothing beyond the counter and one field write per callback.
/// </summary>
internal sealed partial class BlockingMonitor
{
    private readonly Hub _hub;
    private readonly long _thresholdTicks;
    private readonly bool _captureStack;
    private readonly Thread _thread;
    private volatile bool _stopped;

    // The switch whose blocking was reported (hub-side follow-up for stacks reads it).
    private long _reportedSwitch = -1;

    public BlockingMonitor(Hub hub, HubBlockingMonitorOptions options)
    {
        _hub = hub;
        _thresholdTicks = (long)(options.Threshold.TotalSeconds * Stopwatch.Frequency);
        _captureStack = options.CaptureStack;
        _thread = new Thread(Watch) { IsBackground = true, Name = "GreenProc hub monitor" };
        _thread.Start();
    }

    public void Stop() => _stopped = true;

    /// <summary>Called by the hub after a callback returns: with CaptureStack, a reported callback gets its follow-up.</summary>
    public void AfterCallback(long switchCount, long startedTicks)
    {
        if (Volatile.Read(ref _reportedSwitch) == switchCount)
        {
            // A callback the monitor caught: now its whole duration is known (the greenproc.hub.blocked.duration metric).
            Volatile.Write(ref _reportedSwitch, -1);
            TimeSpan held = TimeSpan.FromSeconds((double)(Stopwatch.GetTimestamp() - startedTicks) / Stopwatch.Frequency);
            RuntimeMetrics.Blocked(_hub, held);
            if (_captureStack)
            {
                Greenlet? g = _hub.CurrentGreenlet;
                _hub.RaiseBlocked(new HubBlockedEventArgs(_hub, g, g?.Name, held, Describe(_hub.RunningCallback), Environment.StackTrace, ended: true));
            }
        }
    }

    private void Watch()
    {
        int sleepMs = (int)Math.Clamp(_thresholdTicks * 1000 / Stopwatch.Frequency / 4, 1, 50);
        long lastCount = -1;
        long lastChange = Stopwatch.GetTimestamp();
        while (!_stopped)
        {
            Thread.Sleep(sleepMs);
            long count = _hub.VolatileSwitchCount;
            long now = Stopwatch.GetTimestamp();
            if (count != lastCount || _hub.IsBlockedInReactor || !_hub.IsRunningCallback)
            {
                lastCount = count;
                lastChange = now;
                continue;
            }

            if (now - lastChange >= _thresholdTicks && Volatile.Read(ref _reportedSwitch) != count)
            {
                Volatile.Write(ref _reportedSwitch, count);
                Greenlet? g = _hub.CurrentGreenlet;
                TimeSpan held = TimeSpan.FromSeconds((double)(now - _hub.CallbackStartedTicks) / Stopwatch.Frequency);
                _hub.RaiseBlocked(new HubBlockedEventArgs(_hub, g, g?.Name, held, Describe(_hub.RunningCallback), null, ended: false));
            }
        }
    }

    /// <summary>Names the method a callback runs; for an async method's continuation, the async method itself.</summary>
    internal static string? Describe(object? callback)
    {
        if (callback is not Delegate d)
        {
            return null;
        }

        object? target = d.Target;
        if (target is IAsyncMethodBox box)
        {
            return FormatMachine(box.StateMachineType); // a GreenProc async method resumed by its hub builder
        }

        if (target is not null && target.GetType().IsGenericType && target.GetType().Name.StartsWith("AsyncStateMachineBox", StringComparison.Ordinal))
        {
            // The box's first generic argument is the compiler's state machine, named <Method>d__N inside its class.
            Type machine = target.GetType().GetGenericArguments()[^1];
            return FormatMachine(machine);
        }

        return d.Method.DeclaringType is { } t ? $"{t.FullName}.{d.Method.Name}" : d.Method.Name;
    }

    private static string FormatMachine(Type machine)
    {
        Match m = StateMachineName().Match(machine.Name);
        string method = m.Success ? m.Groups[1].Value : machine.Name;
        return machine.DeclaringType is { } owner ? $"{owner.FullName}.{method} (async)" : method;
    }

    [GeneratedRegex(@"^<([^>]+)>d__\d+$")]
    private static partial Regex StateMachineName();
}
