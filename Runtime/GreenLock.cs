using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A re-entrant lock owned by a greenlet (gevent's <c>RLock</c>): its owner may acquire it again (it must release it
/// as many times), other greenlets wait in FIFO order, and only the owner may release it.
/// </summary>
/// <remarks>
/// Use it on its hub's thread only: it belongs to the hub it was created on (or, created outside any hub, to the first
/// hub that uses it), and a call from any other thread throws <see cref="InvalidOperationException"/>. A greenlet that
/// dies holding the lock leaves it held.
/// </remarks>
[DebuggerDisplay("GreenLock(owner = {Owner}, depth = {_depth}, waiters = {_waiters.Count})")]
public sealed class GreenLock : IWaitSite, IHandoffSite, IReleasable
{
    // The hub it belongs to: the one it was created on, else the first that used it (every call checks it: Hub.Bind).
    private Hub? _hub = Hub.Current;
    private Greenlet? _owner;
    private int _depth;
    private WaiterQueue _waiters;

    /// <summary>The greenlet holding the lock, or null.</summary>
    public Greenlet? Owner => _owner;

    /// <summary>Whether some greenlet holds the lock.</summary>
    public bool IsLocked => _owner is not null;

    /// <summary>Takes the lock if it is free or already ours, without waiting.</summary>
    /// <returns>Whether the current greenlet now holds it.</returns>
    public bool TryAcquire()
    {
        Hub hub = Hub.Bind(ref _hub, this);
        return TryTake(hub.RequireGreenlet(nameof(TryAcquire)));
    }

    /// <summary>Takes the lock, waiting (FIFO) while another greenlet holds it.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>True when held, false if the timeout passed first.</returns>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => AcquireCore(timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>Takes the lock for a <c>using</c> block: <c>using (await l.LockAsync()) { ... }</c>.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A releaser to dispose (on the same greenlet).</returns>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed first.</exception>
    public ValueTask<GreenReleaser> LockAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (TryTakeNow(hub))
        {
            return new ValueTask<GreenReleaser>(new GreenReleaser(this));
        }

        return hub.ParkOn(this, ref _waiters, timeout, throwOnTimeout: true, cancellationToken, nameof(LockAsync)).AsReleaser(this);
    }

    /// <summary>Releases one level; the last release hands the lock to the longest waiter.</summary>
    /// <exception cref="SynchronizationLockException">The current greenlet does not hold the lock.</exception>
    public void Release()
    {
        Hub hub = Hub.Bind(ref _hub, this);
        Greenlet current = hub.RequireGreenlet(nameof(Release));
        if (!ReferenceEquals(_owner, current))
        {
            throw new SynchronizationLockException(_owner is null
                ? $"Greenlet '{current.Name}' released a GreenLock that nobody holds."
                : $"Greenlet '{current.Name}' released a GreenLock held by greenlet '{_owner.Name}'; only the owner may release it.");
        }

        if (--_depth == 0)
        {
            _owner = null;
            HandToNext();
        }
    }

    private ValueTask<bool> AcquireCore(TimeSpan? timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (TryTake(hub.RequireGreenlet(nameof(AcquireAsync))))
        {
            return new ValueTask<bool>(true);
        }

        return hub.ParkOn(this, ref _waiters, timeout, throwOnTimeout, cancellationToken, nameof(AcquireAsync)).AsValueTaskOfBool();
    }

    private bool TryTakeNow(Hub hub) => TryTake(hub.RequireGreenlet(nameof(LockAsync)));

    private bool TryTake(Greenlet current)
    {
        if (ReferenceEquals(_owner, current))
        {
            _depth++;
            return true;
        }

        if (_owner is null && _waiters.IsEmpty)
        {
            _owner = current;
            _depth = 1;
            return true;
        }

        return false;
    }

    private void HandToNext()
    {
        // Ownership passes straight to the waiter, so no newcomer can take the lock first.
        while (_waiters.Dequeue() is { } w)
        {
            _owner = w.Owner;
            _depth = 1;
            if (w.WakeWithHandoff(this, this, null))
            {
                return;
            }
        }

        _owner = null;
        _depth = 0;
    }

    void IHandoffSite.ReturnHandoff(Waiter waiter, object? handoff)
    {
        // The new owner was killed before it resumed: it never held the lock in its own eyes, so pass it on.
        _owner = null;
        _depth = 0;
        HandToNext();
    }

    void IWaitSite.Abandon(Waiter waiter) => _waiters.Remove(waiter);

    string IWaitSite.Describe(Waiter waiter) => _owner is null ? "a GreenLock" : $"a GreenLock held by greenlet '{_owner.Name}'";
}
