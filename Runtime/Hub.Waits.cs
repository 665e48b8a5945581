using System;
using System.Threading;
using GreenProc.Internal;

namespace GreenProc;

// The start of a greenlet's wait, and the pool of waiters.
public sealed partial class Hub
{
    // Pooled waiters (LIFO, so a hot waiter stays in cache).
    private Waiter[] _waiterPool = new Waiter[64];
    private int _waiterPoolCount;

    /// <summary>
    /// Starts a wait of <paramref name="owner"/> on <paramref name="site"/>, first raising a kill or an expired
    /// timeout that is waiting for this switch point.
    /// </summary>
    internal Waiter BeginWait(Greenlet owner, IWaitSite? site)
    {
        owner.ThrowIfInterrupted();
        Waiter w = _waiterPoolCount > 0 ? _waiterPool[--_waiterPoolCount] : new Waiter();
        w.Begin(owner, site);
        return w;
    }

    /// <summary>Starts a wait on a typed waiter the caller provides (from its own pool).</summary>
    internal void BeginWait(Greenlet owner, IWaitSite site, Waiter w)
    {
        owner.ThrowIfInterrupted();
        w.Begin(owner, site);
    }

    /// <summary>
    /// Parks the current greenlet at the back of <paramref name="queue"/> (a primitive's FIFO of waiters), with the
    /// per-call timeout and token every wait takes.
    /// </summary>
    internal Waiter ParkOn(IWaitSite site, ref WaiterQueue queue, TimeSpan? timeout, bool throwOnTimeout, CancellationToken cancellationToken, string operation)
    {
        Waiter w = BeginWait(RequireGreenlet(operation), site);
        queue.Enqueue(w);
        w.ArmDeadline(timeout, throwOnTimeout);
        w.ArmCancellation(cancellationToken);
        return w;
    }

    /// <summary>Like <see cref="ParkOn"/>, with a typed waiter from the primitive's own pool (queues, channels).</summary>
    internal Waiter<T> ParkTyped<T>(IWaitSite site, ref WaiterQueue queue, System.Collections.Generic.Stack<Waiter<T>> pool, int op, TimeSpan? timeout, CancellationToken cancellationToken, string operation)
    {
        Greenlet current = RequireGreenlet(operation);
        Waiter<T> w = Waiter<T>.Rent(pool);
        BeginWait(current, site, w);
        w.SiteData = op;
        queue.Enqueue(w);
        w.ArmDeadline(timeout, throwOnTimeout: true);
        w.ArmCancellation(cancellationToken);
        return w;
    }

    internal void ReturnWaiter(Waiter w)
    {
        if (_waiterPoolCount == _waiterPool.Length)
        {
            if (_waiterPool.Length >= 4096)
            {
                return; // keep a bounded pool; a burst of parked greenlets need not stay allocated
            }

            Array.Resize(ref _waiterPool, _waiterPool.Length * 2);
        }

        _waiterPool[_waiterPoolCount++] = w;
    }
}
