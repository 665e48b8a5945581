using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

public sealed partial class Hub
{
    /// <summary>
    /// Creates a hub on this thread, runs the main greenlet <paramref name="createMain"/> makes to its end, writes out
    /// what pending outputs still hold (see <see cref="FlushPendingOutputAtExit"/>), and disposes the hub.
    /// </summary>
    /// <param name="createMain">Makes the main greenlet.</param>
    /// <param name="options">The hub's settings.</param>
    /// <param name="exitLoss">Accepted output that could not be delivered at exit, or null.</param>
    /// <returns>The main greenlet, finished.</returns>
    internal static Greenlet RunMain(Func<Hub, Greenlet> createMain, HubOptions? options, out Exception? exitLoss)
    {
        if (t_current is not null)
        {
            throw new InvalidOperationException("A GreenProc hub already runs on this thread; Green.Run cannot be nested. Use Green.Spawn inside it.");
        }

        var hub = new Hub(options ?? new HubOptions());
        SynchronizationContext? previousContext = SynchronizationContext.Current;
        t_current = hub;
        try
        {
            hub.Number = RuntimeMetrics.HubStarted(hub);
            Greenlet main = createMain(hub);
            main.IsMain = true;
            main.Name = "main";
            hub._main = main;
            main.Start();
            hub.Loop(main);
            Volatile.Write(ref hub._ended, true);
            exitLoss = hub.FlushPendingOutputAtExit();
            return main;
        }
        finally
        {
            hub.Dispose();
            t_current = null;
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    private void Loop(Greenlet main)
    {
        while (!main.IsReady)
        {
            DrainInbox();
            RunReadyPass(main);
            if (main.IsReady)
            {
                break;
            }

            // The clock is read only when there is a timer to compare it with (a message exchange runs this loop per hop).
            if (Timers.Count > 0)
            {
                FireDue(Timers, Stopwatch.GetTimestamp());
            }

            int timeoutMs = ComputeReactorTimeout();
            if (timeoutMs < 0 && _options.DetectDeadlocks && IsDeadlocked(main))
            {
                RaiseDeadlock(main);
                continue;
            }

            WaitForEvents(timeoutMs);
            if (Timeouts.Count > 0)
            {
                FireDue(Timeouts, Stopwatch.GetTimestamp());
            }
        }
    }

    private void RunReadyPass(Greenlet main)
    {
        if (_ready.Count == 0)
        {
            return;
        }

        // A long queue is timed from its start; a short one (a message exchange: one or two items a pass) reads no
        // clock at all unless it grows to 128 items, and is then timed from there.
        long start = _ready.Count >= 128 ? Stopwatch.GetTimestamp() : 0;
        int n = 0;
        while (_ready.TryDequeue(out WorkItem item))
        {
            Execute(item);
            if (main.IsReady)
            {
                return; // the program is over: nothing else runs after main (as in gevent)
            }

            // Reading the clock per item would cost more than the items; every 128 is within ~10 µs of the cap.
            if ((++n & 127) == 0)
            {
                long now = Stopwatch.GetTimestamp();
                if (start == 0)
                {
                    start = now;
                }
                else if (now - start > _maxPassTicks)
                {
                    return;
                }
            }
        }
    }

    private void Execute(in WorkItem item)
    {
        Greenlet? owner = item.Owner;
        CurrentGreenlet = owner;
        SynchronizationContext.SetSynchronizationContext(owner is null ? _hubContext : owner.Context);
        long switchNumber = ++_switchCount;
        object? outer = _runningCallback; // set when a callback runs a greenlet inline (RunNow)
        if (_monitor is not null)
        {
            Volatile.Write(ref _callbackStarted, Stopwatch.GetTimestamp());
        }

        Volatile.Write(ref _runningCallback, item.Callback);
        try
        {
            item.Invoke();
        }
        catch (Exception e)
        {
            // Continuations of async methods never throw (their task holds the error); what lands here is an
            // async-void method's error or a posted callback's: report it, the loop goes on.
            ReportError(owner, e);
        }

        if (owner is { HasRunningBody: true })
        {
            owner.AfterTurn();
        }

        _monitor?.AfterCallback(switchNumber, _callbackStarted);
        Volatile.Write(ref _runningCallback, outer);
        CurrentGreenlet = null;
    }

    /// <summary>
    /// Runs <paramref name="item"/> now, nested in the hub callback that is running (a queue's unlock), then restores
    /// that callback's state. This is gevent's inline switch from a notifier callback into a woken greenlet.
    /// </summary>
    internal void RunNow(in WorkItem item)
    {
        Debug.Assert(CurrentGreenlet is null, "only hub callbacks may run a greenlet inline");
        Execute(item);
        CurrentGreenlet = null;
        SynchronizationContext.SetSynchronizationContext(_hubContext);
    }

    private void DrainInbox()
    {
        while (_inbox.TryDequeue(out WorkItem item))
        {
            _ready.Enqueue(item);
        }
    }

    private void FireDue(TimerHeap heap, long now)
    {
        while (heap.PopDue(now) is { } timer)
        {
            try
            {
                timer.Fire();
            }
            catch (Exception e)
            {
                Environment.FailFast("GreenProc hub: a timer callback threw; the scheduler state is corrupt.", e);
            }
        }
    }

    private int ComputeReactorTimeout()
    {
        if (_ready.Count > 0 || !_inbox.IsEmpty)
        {
            return 0;
        }

        long due = long.MaxValue;
        if (Timers.Peek is { } t)
        {
            due = t.Due;
        }

        if (Timeouts.Peek is { } d && d.Due < due)
        {
            due = d.Due;
        }

        if (due == long.MaxValue)
        {
            return -1;
        }

        long delta = due - Stopwatch.GetTimestamp();
        if (delta <= 0)
        {
            return 0;
        }

        // Round up: waking a little late is harmless, waking early spins the loop until the timer is due.
        long ms = ((delta * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
        return ms > int.MaxValue ? int.MaxValue : (int)ms;
    }

    private void WaitForEvents(int timeoutMs)
    {
        if (timeoutMs == 0)
        {
            _reactor.Wait(0);
            return;
        }

        Interlocked.Exchange(ref _blocked, 1);
        if (!_inbox.IsEmpty)
        {
            timeoutMs = 0; // a post raced with us; don't sleep on it
        }

        _reactor.Wait(timeoutMs);
        Volatile.Write(ref _blocked, 0);
    }

    private bool IsDeadlocked(Greenlet main)
        => _ready.Count == 0
            && Timers.Count == 0
            && Timeouts.Count == 0
            && Liveness.FdWaiters == 0
            && ExternalWakeSources == 0
            && _inbox.IsEmpty
            && main.ActiveWaits is not null
            && LiveGreenlets == ParkedGreenlets;

    private void RaiseDeadlock(Greenlet main)
    {
        var report = new StringBuilder();
        report.Append("Deadlock: the main greenlet waits, but nothing can wake it: no greenlet is ready, no timer or timeout ")
            .Append("is armed, no fd is watched, and no other thread or cancellation token can post to the hub. ")
            .Append("Parked greenlets (").Append(LiveGreenlets).Append("):");
        int listed = 0;
        for (Greenlet? g = Liveness.FirstLive; g is not null; g = g.NextLive)
        {
            if (++listed > 20)
            {
                report.Append("\n  ...");
                break;
            }

            report.Append("\n  '").Append(g.Name).Append("' waits on ");
            report.Append(g.ActiveWaits?.Describe() ?? "something outside GreenProc");
        }

        var error = new HubDeadlockException(report.ToString());
        for (Waiter? w = main.ActiveWaits; w is not null;)
        {
            Waiter? next = w.NextActive;
            w.Wake(error, result: true, from: null);
            w = next;
        }
    }

    private void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Volatile.Write(ref _ended, true);
        _disposed = true;

        // Closes queued from other threads must still run: they hold a reference that keeps their fd open.
        DrainInbox();
        while (_ready.TryDequeue(out WorkItem item))
        {
            if (IsClose(item))
            {
                Execute(item);
            }
        }

        ForgetAllFds();
        _monitor?.Stop();
        _reactor.Dispose();
        RuntimeMetrics.HubEnded(this);
    }
}
