using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A counting semaphore for greenlets (gevent's <c>Semaphore</c>), strictly FIFO: a released permit goes to the
/// greenlet that has waited longest, never to a newcomer, and an acquire that can succeed at once does not switch.
/// </summary>
/// <remarks>
/// Use it on its hub's thread only: it belongs to the hub it was created on (or, created outside any hub, to the first
/// hub that uses it), and a call from any other thread throws <see cref="InvalidOperationException"/>.
/// <see cref="GreenBoundedSemaphore"/> refuses over-release.
/// </remarks>
[DebuggerDisplay("{GetType().Name,nq}(count = {CurrentCount}, waiters = {_waiters.Count})")]
public class GreenSemaphore : IWaitSite, IHandoffSite, IReleasable
{
    // The hub it belongs to: the one it was created on, else the first that used it (every call checks it: Hub.Bind).
    private Hub? _hub = Hub.Current;
    private int _count;
    private WaiterQueue _waiters;

    /// <summary>Creates a semaphore with <paramref name="initialCount"/> permits.</summary>
    /// <param name="initialCount">Permits available at first (0 or more).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialCount"/> is negative.</exception>
    public GreenSemaphore(int initialCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCount);
        _count = initialCount;
    }

    /// <summary>Permits available now.</summary>
    public int CurrentCount => _count;

    /// <summary>Whether an acquire would wait (gevent's <c>locked()</c>).</summary>
    public bool IsLocked => _count == 0 || !_waiters.IsEmpty;

    /// <summary>Takes a permit if one is free, without waiting.</summary>
    /// <returns>Whether a permit was taken.</returns>
    public bool TryAcquire()
    {
        Hub.Bind(ref _hub, this);
        if (_count > 0 && _waiters.IsEmpty)
        {
            _count--;
            return true;
        }

        return false;
    }

    /// <summary>Takes a permit, waiting (FIFO) until one is released.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>True with a permit, false if the timeout passed first.</returns>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => AcquireCore(timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>
    /// Takes a permit for a <c>using</c> block: <c>using (await sem.LockAsync()) { ... }</c> releases it at the end.
    /// </summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A releaser to dispose.</returns>
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

    /// <summary>Returns a permit: to the longest waiter if there is one (it runs after the caller's next switch).</summary>
    /// <exception cref="System.Threading.SemaphoreFullException">A bounded semaphore would exceed its initial count.</exception>
    public void Release()
    {
        Hub.Bind(ref _hub, this);
        if (_waiters.IsEmpty)
        {
            CheckCanRelease(_count);
            _count++;
            return;
        }

        HandToNext();
    }

    /// <summary>Lets a bounded semaphore refuse a release that would exceed its initial count.</summary>
    /// <param name="count">The count before the release.</param>
    private protected virtual void CheckCanRelease(int count)
    {
    }

    private bool TryTakeNow(Hub hub)
    {
        if (_count > 0 && _waiters.IsEmpty)
        {
            _count--;
            return true;
        }

        return false;
    }

    private ValueTask<bool> AcquireCore(TimeSpan? timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (TryTakeNow(hub))
        {
            return new ValueTask<bool>(true);
        }

        return hub.ParkOn(this, ref _waiters, timeout, throwOnTimeout, cancellationToken, nameof(AcquireAsync)).AsValueTaskOfBool();
    }

    private void HandToNext()
    {
        // The permit goes straight to the waiter (the count never rises), so no newcomer can take it first.
        while (_waiters.Dequeue() is { } w)
        {
            if (w.WakeWithHandoff(this, this, null))
            {
                return;
            }
        }

        _count++;
    }

    void IHandoffSite.ReturnHandoff(Waiter waiter, object? handoff)
    {
        // The woken greenlet was killed before it resumed: the permit passes on.
        if (_waiters.IsEmpty)
        {
            _count++;
        }
        else
        {
            HandToNext();
        }
    }

    void IWaitSite.Abandon(Waiter waiter) => _waiters.Remove(waiter);

    string IWaitSite.Describe(Waiter waiter) => $"a {GetType().Name} permit";
}
