using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A queue between greenlets (gevent's <c>Queue</c>): unbounded, or holding at most <see cref="MaxSize"/> items, in
/// which case a put waits for room. Blocked getters and putters are served in the order they started waiting.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// <para>The idiom everywhere: the async forms wait (and raise <see cref="GreenTimeoutException"/> when their
/// <c>timeout</c> passes, like every timeout argument in GreenProc); <see cref="TryGet"/>, <see cref="TryPut"/> and
/// <see cref="TryPeek"/> never wait and return false instead (gevent's <c>Empty</c>/<c>Full</c>).</para>
/// <para>Scheduling follows gevent exactly: a get or put that can complete at once does so without switching; waking
/// blocked getters and putters is done by one "unlock" callback queued at the back of the run queue (at most one
/// pending), which loops until no blocked putter or getter can move. A getter that times out never takes an item,
/// and an item handed to a getter that is killed before it resumes goes back to the front.</para>
/// <para>Use a queue on its hub's thread only: it belongs to the hub it was created on (or, created outside any hub, to
/// the first hub that uses it), and a call from any other thread throws <see cref="InvalidOperationException"/>. A
/// rendezvous (gevent's <c>Channel</c>) is
/// <see cref="GreenChannel{T}"/>.</para>
/// </remarks>
[DebuggerDisplay("{GetType().Name,nq}(count = {Count}, getters = {_getters.Count}, putters = {_putters.Count})")]
public class GreenQueue<T> : IWaitSite, IHandoffSite, IAsyncEnumerable<T>
{
    private const int GetOp = 0, PeekOp = 1, PutOp = 2;
    private static readonly Action<object?> s_unlock = static s => ((GreenQueue<T>)s!).Unlock();

    private readonly QueueStore<T> _store;
    private readonly int _maxSize;
    private readonly Stack<Waiter<T>> _waiterPool = new();
    // The hub it belongs to: the one it was created on, else the first that used it (every call checks it: Hub.Bind).
    private Hub? _hub = Hub.Current;
    private WaiterQueue _getters;
    private WaiterQueue _putters;
    private bool _unlockScheduled;

    /// <summary>Creates an unbounded FIFO queue.</summary>
    public GreenQueue()
        : this(new FifoStore<T>(), 0)
    {
    }

    /// <summary>Creates a FIFO queue holding at most <paramref name="maxSize"/> items.</summary>
    /// <param name="maxSize">The bound, 1 or more. For a rendezvous use <see cref="GreenChannel{T}"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSize"/> is not positive.</exception>
    public GreenQueue(int maxSize)
        : this(new FifoStore<T>(), CheckMaxSize(maxSize))
    {
    }

    private protected GreenQueue(QueueStore<T> store, int maxSize)
    {
        _store = store;
        _maxSize = maxSize;
    }

    /// <summary>The bound, or null when unbounded.</summary>
    public int? MaxSize => _maxSize == 0 ? null : _maxSize;

    /// <summary>Items in the queue (gevent's <c>qsize()</c>).</summary>
    public int Count => _store.Count;

    /// <summary>Whether the queue holds no item.</summary>
    public bool IsEmpty => _store.Count == 0;

    /// <summary>Whether a put would wait.</summary>
    public bool IsFull => _maxSize != 0 && _store.Count >= _maxSize;

    /// <summary>Greenlets waiting to get or peek.</summary>
    public int GetterCount => _getters.Count;

    /// <summary>Greenlets waiting to put.</summary>
    public int PutterCount => _putters.Count;

    private bool HasRoom => _maxSize == 0 || _store.Count < _maxSize;

    /// <summary>Adds <paramref name="item"/>, waiting for room while the queue is full.</summary>
    /// <param name="item">The item.</param>
    /// <param name="timeout">How long to wait for room; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes once the item is in the queue.</returns>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed with the queue still full (the item is not added).</exception>
    public ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (HasRoom)
        {
            Add(item);
            return default;
        }

        Waiter<T> w = hub.ParkTyped(this, ref _putters, _waiterPool, PutOp, timeout, cancellationToken, nameof(PutAsync));
        w.Item = item;
        if (!_getters.IsEmpty)
        {
            ScheduleUnlock();
        }

        return w.AsValueTask();
    }

    /// <summary>Adds <paramref name="item"/> if there is room, without waiting.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether it was added (false: full).</returns>
    public bool TryPut(T item)
    {
        Hub.Bind(ref _hub, this);
        if (!HasRoom)
        {
            return false;
        }

        Add(item);
        return true;
    }

    /// <summary>Removes and returns the next item, waiting while the queue is empty.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The item.</returns>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed with the queue still empty.</exception>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => GetOrPeek(GetOp, timeout, cancellationToken, nameof(GetAsync));

    /// <summary>Returns the next item without removing it, waiting while the queue is empty.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The item.</returns>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed with the queue still empty.</exception>
    public ValueTask<T> PeekAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => GetOrPeek(PeekOp, timeout, cancellationToken, nameof(PeekAsync));

    /// <summary>Removes the next item if there is one, without waiting.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether there was one (false: empty).</returns>
    public bool TryGet([MaybeNullWhen(false)] out T item)
    {
        Hub.Bind(ref _hub, this);
        if (_store.Count == 0)
        {
            item = default;
            return false;
        }

        item = Take();
        return true;
    }

    /// <summary>Returns the next item without removing it, if there is one.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether there was one.</returns>
    public bool TryPeek([MaybeNullWhen(false)] out T item)
    {
        Hub.Bind(ref _hub, this);
        if (_store.Count == 0)
        {
            item = default;
            return false;
        }

        item = _store.Peek();
        return true;
    }

    /// <summary>Consumes the queue: each iteration gets the next item, waiting while it is empty, until cancelled.</summary>
    /// <param name="cancellationToken">Ends the iteration with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The items, as they are taken.</returns>
    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            yield return await GetAsync(null, cancellationToken);
        }
    }

    /// <summary>Checks the caller runs on the queue's hub (for the subclasses' own operations).</summary>
    private protected void BindHub() => Hub.Bind(ref _hub, this);

    /// <summary>Called for every item that enters the queue (the joinable queue counts them).</summary>
    private protected virtual void OnItemAdded()
    {
    }

    private static int CheckMaxSize(int maxSize)
    {
        if (maxSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize,
                "A bounded GreenQueue holds at least 1 item; use new GreenQueue<T>() for an unbounded one and GreenChannel<T> for a rendezvous.");
        }

        return maxSize;
    }

    private ValueTask<T> GetOrPeek(int op, TimeSpan? timeout, CancellationToken cancellationToken, string operation)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (_store.Count > 0)
        {
            return new ValueTask<T>(op == GetOp ? Take() : _store.Peek());
        }

        Waiter<T> w = hub.ParkTyped(this, ref _getters, _waiterPool, op, timeout, cancellationToken, operation);
        if (!_putters.IsEmpty)
        {
            ScheduleUnlock();
        }

        return w.AsValueTaskOfItem();
    }

    private void Add(T item)
    {
        _store.Add(item);
        OnItemAdded();
        if (!_getters.IsEmpty)
        {
            ScheduleUnlock();
        }
    }

    private T Take()
    {
        T item = _store.Take();
        if (!_putters.IsEmpty)
        {
            ScheduleUnlock();
        }

        return item;
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
        bool moved;
        do
        {
            moved = false;
            if (!_putters.IsEmpty && HasRoom)
            {
                var putter = (Waiter<T>)_putters.Dequeue()!;
                _store.Add(putter.Item!);
                OnItemAdded();
                putter.Wake(null, result: true, from: this, runNow: true);
                moved = true;
            }

            if (!_getters.IsEmpty && _store.Count > 0)
            {
                var getter = (Waiter<T>)_getters.Dequeue()!;
                if (getter.SiteData == PeekOp)
                {
                    getter.Item = _store.Peek();
                    getter.Wake(null, result: true, from: this, runNow: true);
                }
                else
                {
                    getter.Item = _store.Take();
                    getter.WakeWithHandoff(this, this, null, runNow: true);
                }

                moved = true;
            }
        }
        while (moved);
    }

    void IHandoffSite.ReturnHandoff(Waiter waiter, object? handoff)
    {
        // The getter was killed before it resumed: its item goes back to the front, for the next getter.
        _store.Return(((Waiter<T>)waiter).Item!);
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

    string IWaitSite.Describe(Waiter waiter) => waiter.SiteData switch
    {
        PutOp => $"room in a {GetType().Name} (full at {_maxSize})",
        PeekOp => $"an item to peek in a {GetType().Name}",
        _ => $"an item in a {GetType().Name}",
    };
}
