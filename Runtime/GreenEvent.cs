using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A flag greenlets wait on (gevent's <c>Event</c>). <see cref="Set"/> wakes every waiter, in the order they
/// started waiting; a waiter returns true if the event was set at any point during its wait, even if it was cleared
/// again before the waiter ran.
/// </summary>
/// <remarks>
/// Use it on its hub's thread only: it belongs to the hub it was created on (or, created outside any hub, to the first
/// hub that uses it), and a call from any other thread throws <see cref="InvalidOperationException"/> (from another thread,
/// <c>hub.Post(() => ev.Set())</c>). Waking never switches: the woken greenlets are queued behind the caller.
/// </remarks>
[DebuggerDisplay("GreenEvent(set = {IsSet}, waiters = {WaiterCount})")]
public sealed class GreenEvent : IWaitSite
{
    // The hub it belongs to: the one it was created on, else the first that used it (every call checks it: Hub.Bind).
    private Hub? _hub = Hub.Current;
    private bool _set;
    private WaiterQueue _waiters;

    /// <summary>Creates an event, cleared unless <paramref name="set"/>.</summary>
    /// <param name="set">The initial state.</param>
    public GreenEvent(bool set = false) => _set = set;

    /// <summary>Whether the flag is set (gevent's <c>is_set()</c>).</summary>
    public bool IsSet => _set;

    /// <summary>How many greenlets wait on the event.</summary>
    public int WaiterCount => _waiters.Count;

    /// <summary>Sets the flag and wakes every waiter (they run after the caller's next switch).</summary>
    /// <exception cref="InvalidOperationException">Called from a thread other than its hub's.</exception>
    public void Set()
    {
        Hub.Bind(ref _hub, this);
        _set = true;
        while (_waiters.Dequeue() is { } w)
        {
            w.Wake(null, result: true, from: this);
        }
    }

    /// <summary>Clears the flag; later waits block until the next <see cref="Set"/>.</summary>
    /// <exception cref="InvalidOperationException">Called from a thread other than its hub's.</exception>
    public void Clear()
    {
        Hub.Bind(ref _hub, this);
        _set = false;
    }

    /// <summary>
    /// Waits until the flag is set. Returns at once, without switching, if it already is.
    /// </summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>True if the event was set, false if the timeout passed first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (_set)
        {
            return new ValueTask<bool>(true);
        }

        return hub.ParkOn(this, ref _waiters, timeout, throwOnTimeout: false, cancellationToken, nameof(WaitAsync)).AsValueTaskOfBool();
    }

    /// <summary>
    /// <see cref="WaitAsync(TimeSpan?, CancellationToken)"/>, after which <paramref name="then"/> may raise an error in
    /// the awaiting code: checked by the waiter as the wait ends (one hop, no async method in between), or at once if
    /// the event is set.
    /// </summary>
    internal ValueTask<bool> WaitAsync(TimeSpan? timeout, IResultSource then, CancellationToken cancellationToken)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (_set)
        {
            try
            {
                then.ThrowIfFailedNow();
                return new ValueTask<bool>(true);
            }
            catch (Exception e)
            {
                return ValueTask.FromException<bool>(e);
            }
        }

        Waiter w = hub.ParkOn(this, ref _waiters, timeout, throwOnTimeout: false, cancellationToken, nameof(WaitAsync));
        w.ResultSource = then;
        return w.AsValueTaskOfBool();
    }

    void IWaitSite.Abandon(Waiter waiter) => _waiters.Remove(waiter);

    string IWaitSite.Describe(Waiter waiter) => "a GreenEvent to be set";
}
