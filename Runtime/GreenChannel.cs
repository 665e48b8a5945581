using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A rendezvous between greenlets (gevent's <c>Channel</c>): a put waits until a getter takes the item, a get waits
/// until a putter offers one; pairs are made in the order they started waiting.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// As in gevent, pairing is done by one "unlock" callback queued at the back of the run queue, even when a partner
/// is already waiting; it runs the getter, then the putter, right there, each until its next switch. The async forms raise
/// <see cref="GreenTimeoutException"/> when their timeout passes; the <c>Try</c> forms never wait. An item handed to
/// a getter that is killed before it resumes goes to the next getter. Use it on its hub's thread only: it belongs to the
/// hub it was created on (or, created outside any hub, to the first hub that uses it), and a call from any other thread
/// throws <see cref="InvalidOperationException"/>.
/// </remarks>
[DebuggerDisplay("GreenChannel(putters = {_putters.Count}, getters = {_getters.Count})")]
public sealed class GreenChannel<T> : IWaitSite, IHandoffSite
{
    private const int GetOp = 0, PutOp = 1;
    private static readonly Action<object?> s_unlock = static s => ((GreenChannel<T>)s!).Unlock();

    private readonly Stack<Waiter<T>> _waiterPool = new();

    // Items handed to getters that were killed before they resumed: the next getters get them first.
    private readonly FifoStore<T> _orphans = new();
    // The hub it belongs to: the one it was created on, else the first that used it (every call checks it: Hub.Bind).
    private Hub? _hub = Hub.Current;
    private WaiterQueue _getters;
    private WaiterQueue _putters;
    private bool _unlockScheduled;

    /// <summary>Putters waiting for a getter, minus getters waiting for a putter (gevent's <c>balance</c>).</summary>
    public int Balance => _putters.Count + _orphans.Count - _getters.Count;

    /// <summary>Offers <paramref name="item"/> and waits until a getter takes it.</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for a getter; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes once a getter has the item.</returns>
    /// <exception cref="GreenTimeoutException">No getter took the item in time (nobody gets it).</exception>
    public ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Waiter<T> w = Park(ref _putters, PutOp, timeout, cancellationToken, nameof(PutAsync));
        w.Item = item;
        if (!_getters.IsEmpty)
        {
            ScheduleUnlock();
        }

        return w.AsValueTask();
    }

    /// <summary>Waits for a putter and takes its item.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The item.</returns>
    /// <exception cref="GreenTimeoutException">No putter came in time.</exception>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Waiter<T> w = Park(ref _getters, GetOp, timeout, cancellationToken, nameof(GetAsync));
        if (!_putters.IsEmpty || _orphans.Count > 0)
        {
            ScheduleUnlock();
        }

        return w.AsValueTaskOfItem();
    }

    /// <summary>Hands <paramref name="item"/> to a getter that is already waiting, without waiting.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether a getter took it.</returns>
    public bool TryPut(T item)
    {
        Hub.Bind(ref _hub, this);
        if (_getters.Dequeue() is not Waiter<T> getter)
        {
            return false;
        }

        getter.Item = item;
        getter.WakeWithHandoff(this, this, null);
        return true;
    }

    /// <summary>Takes the item of a putter that is already waiting, without waiting.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether there was one.</returns>
    public bool TryGet([MaybeNullWhen(false)] out T item)
    {
        Hub.Bind(ref _hub, this);
        if (_orphans.Count > 0)
        {
            item = _orphans.Take();
            return true;
        }

        if (_putters.Dequeue() is Waiter<T> putter)
        {
            item = putter.Item!;
            putter.Wake(null, result: true, from: this);
            return true;
        }

        item = default;
        return false;
    }

    private Waiter<T> Park(ref WaiterQueue queue, int op, TimeSpan? timeout, CancellationToken cancellationToken, string operation)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        return Hub.Bind(ref _hub, this).ParkTyped(this, ref queue, _waiterPool, op, timeout, cancellationToken, operation);
    }

    private void ScheduleUnlock()
    {
        if (!_unlockScheduled)
        {
            _unlockScheduled = true;
            _hub!.Enqueue(new WorkItem(s_unlock, this, null));
        }
    }

    private void Unlock()
    {
        _unlockScheduled = false;
        while (_orphans.Count > 0 && _getters.Dequeue() is Waiter<T> getter)
        {
            getter.Item = _orphans.Take();
            getter.WakeWithHandoff(this, this, null, runNow: true);
        }

        while (!_putters.IsEmpty && !_getters.IsEmpty)
        {
            var getter = (Waiter<T>)_getters.Dequeue()!;
            var putter = (Waiter<T>)_putters.Dequeue()!;
            getter.Item = putter.Item;
            getter.WakeWithHandoff(this, this, null, runNow: true);
            putter.Wake(null, result: true, from: this, runNow: true);
        }
    }

    void IHandoffSite.ReturnHandoff(Waiter waiter, object? handoff)
    {
        _orphans.Add(((Waiter<T>)waiter).Item!);
        if (!_getters.IsEmpty)
        {
            ScheduleUnlock();
        }
    }

    void IWaitSite.Abandon(Waiter waiter)
    {
        if (!_getters.Remove(waiter))
        {
            _putters.Remove(waiter);
        }
    }

    string IWaitSite.Describe(Waiter waiter)
        => waiter.SiteData == PutOp ? "a getter on a GreenChannel" : "a putter on a GreenChannel";
}
