using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

// Kill and timeouts: exceptions raised in the greenlet at its switch points.
public partial class Greenlet
{
    /// <summary>
    /// Kills the greenlet: raises <paramref name="exception"/> (by default a <see cref="GreenletExit"/>) at its
    /// current switch point. A greenlet that has not run yet never runs, and its links fire. Killing a dead
    /// greenlet does nothing; a kill never raises to the caller (only a greenlet killing itself gets the exception).
    /// </summary>
    /// <remarks>
    /// A greenlet parked in an await GreenProc does not control (a Task from another library): the kill cancels its
    /// <see cref="CancellationToken"/> (and <see cref="Green.CancellationToken"/>), so an await given that token ends
    /// and the greenlet dies as killed. An await that ignores the token cannot be interrupted; the kill is then raised
    /// at the greenlet's next GreenProc wait. Until then a blocking kill waits: with <paramref name="timeout"/> it
    /// returns when the timeout passes (no exception) and the greenlet is still <see cref="IsAlive"/>, its kill
    /// pending; with no timeout it waits as long as that await takes.
    /// </remarks>
    /// <param name="exception">What to raise in the greenlet; null for <see cref="GreenletExit"/>.</param>
    /// <param name="block">Whether to wait until it is dead.</param>
    /// <param name="timeout">With <paramref name="block"/>, how long to wait for it to die.</param>
    /// <param name="cancellationToken">Cancels the wait for it to die (the kill itself stands).</param>
    /// <returns>A task that ends when the greenlet is dead, or at once when not blocking.</returns>
    public ValueTask KillAsync(Exception? exception = null, bool block = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        EnsureHubThread();
        exception ??= new GreenletExit();
        switch (_state)
        {
            case GreenletState.Dead:
                return default;

            case GreenletState.Created:
            case GreenletState.Scheduled:
                // Never ran: cancel the start, die with the exception, fire the links (gevent's death before start).
                if (_cold?.StartTimer is { IsArmed: true } timer)
                {
                    Hub.Timers.Remove(timer);
                }

                Finish(exception);
                return default;
        }

        if (ReferenceEquals(Hub.CurrentGreenlet, this))
        {
            // Killing yourself: the exception leaves through this call, which is the switch point.
            throw exception;
        }

        Hub.Enqueue(new WorkItem(s_deliverKill, new KillRequest(this, exception), null));

        if (!block || Hub.CurrentGreenlet is null)
        {
            return default;
        }

        return WaitDeadAsync(timeout, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private async ValueTask WaitDeadAsync(TimeSpan? timeout, CancellationToken cancellationToken)
        => await JoinAsync(timeout, cancellationToken);

    private void DeliverKill(Exception exception)
    {
        if (_state == GreenletState.Running)
        {
            // Remembered first: a foreign await the cancellation ends must already find its greenlet killed.
            GetCold().KilledWith ??= exception;
            Interrupt(exception, kill: true);
            CancelKillToken();
        }
    }

    internal void DeliverTimeout(GreenTimeout scope)
    {
        if (_state == GreenletState.Running && !Interrupt(new GreenTimeoutException(scope), kill: false))
        {
            GetCold().FiredScope ??= scope;
        }
    }

    /// <summary>Raises <paramref name="exception"/> in every pending wait; a kill that finds none is kept for the next switch point.</summary>
    private bool Interrupt(Exception exception, bool kill)
    {
        bool woke = false;
        if (kill && ActiveWaits is { NextActive: null } only)
        {
            // A kill is delivered from a hub callback (KillRequest), from which gevent's _kill throws into the greenlet
            // at once: a greenlet parked on one wait resumes right here, not at the back of the run queue (one step
            // after gevent). Timeouts, and a greenlet with several waits in flight (the next could be recycled by the
            // time an inline run returns), are queued as before.
            woke = only.Wake(exception, result: true, from: null, runNow: true);
        }
        else
        {
            for (Waiter? w = ActiveWaits; w is not null;)
            {
                Waiter? next = w.NextActive;
                woke |= w.Wake(exception, result: true, from: null);
                w = next;
            }
        }

        if (!woke && kill)
        {
            GetCold().PendingThrow ??= exception;
        }

        return woke;
    }

    /// <summary>
    /// Keeps an interruption that ended a wait for the next switch point, because the wait's result had to win (a
    /// completion-port read that had already received data when its cancellation landed: the data is returned, and the
    /// kill or the expired timeout is raised at the next wait). A cancellation or a close needs no keeping: the token
    /// stays cancelled and the handle closed.
    /// </summary>
    internal void KeepInterruption(Exception exception)
    {
        if (exception is GreenTimeoutException { Timeout: { IsActive: true } scope })
        {
            GetCold().FiredScope ??= scope;
        }
        else if (_cold is { } cold && ReferenceEquals(cold.KilledWith, exception))
        {
            cold.PendingThrow ??= exception;
        }
    }

    internal Exception? TakePendingThrow()
    {
        if (_cold is not { } cold)
        {
            return null;
        }

        Exception? e = cold.PendingThrow;
        cold.PendingThrow = null;
        return e;
    }

    internal void ForgetFiredScope(GreenTimeout scope)
    {
        if (_cold is { } cold && ReferenceEquals(cold.FiredScope, scope))
        {
            cold.FiredScope = null;
        }
    }

    /// <summary>At the start of every wait: raise a kill or an expired timeout that could not be raised earlier.</summary>
    internal void ThrowIfInterrupted()
    {
        if (_cold is { } cold && (cold.PendingThrow is not null || cold.FiredScope is not null))
        {
            ThrowInterrupted(cold);
        }
    }

    private static void ThrowInterrupted(Cold cold)
    {
        if (cold.PendingThrow is { } pending)
        {
            cold.PendingThrow = null;
            throw pending;
        }

        GreenTimeout scope = cold.FiredScope!;
        cold.FiredScope = null;
        if (scope.IsActive)
        {
            throw new GreenTimeoutException(scope);
        }
    }

    private sealed class KillRequest(Greenlet target, Exception exception)
    {
        public void Deliver() => target.DeliverKill(exception);
    }
}
