using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

public static partial class Green
{
    /// <summary>
    /// Waits until every greenlet has finished (gevent's <c>joinall</c>). With <paramref name="raiseError"/>, the
    /// first greenlet to fail (in completion order) ends the wait with its error.
    /// </summary>
    /// <param name="greenlets">The greenlets.</param>
    /// <param name="timeout">How long to wait; null waits forever. On timeout the greenlets that did finish are returned.</param>
    /// <param name="raiseError">Raise the first error instead of waiting for the rest.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The greenlets that finished, in the order they finished.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<IReadOnlyList<Greenlet>> JoinAll(
        IEnumerable<Greenlet> greenlets, TimeSpan? timeout = null, bool raiseError = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(greenlets);
        if (!raiseError)
        {
            return await Wait(greenlets, timeout, null, cancellationToken).ConfigureAwait(false);
        }

        var done = new List<Greenlet>();
        await foreach (Greenlet g in IWait(greenlets, timeout, cancellationToken).ConfigureAwait(false))
        {
            done.Add(g);
            if (g.Exception is { } error)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
        }

        return done;
    }

    /// <summary>
    /// Waits until <paramref name="count"/> of the greenlets (all when null) have finished, or the timeout passes
    /// (gevent's <c>wait</c>). Never raises the greenlets' errors.
    /// </summary>
    /// <param name="greenlets">The greenlets.</param>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="count">How many must finish; null for all.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The greenlets that finished, in the order they finished.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<IReadOnlyList<Greenlet>> Wait(
        IEnumerable<Greenlet> greenlets, TimeSpan? timeout = null, int? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(greenlets);
        if (count is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "count must be zero or positive.");
        }

        var done = new List<Greenlet>();
        if (count == 0)
        {
            return done;
        }

        await foreach (Greenlet g in IWait(greenlets, timeout, cancellationToken).ConfigureAwait(false))
        {
            done.Add(g);
            if (done.Count == count)
            {
                break;
            }
        }

        return done;
    }

    /// <summary>
    /// Yields the greenlets as they finish (gevent's <c>iwait</c>); ones already finished come first, in the order
    /// given. When <paramref name="timeout"/> passes, the sequence simply ends.
    /// </summary>
    /// <param name="greenlets">The greenlets.</param>
    /// <param name="timeout">A deadline for the whole iteration; null for none.</param>
    /// <param name="cancellationToken">Ends the iteration with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The greenlets in completion order.</returns>
    public static async IAsyncEnumerable<Greenlet> IWait(
        IEnumerable<Greenlet> greenlets, TimeSpan? timeout = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(greenlets);
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.RequireCurrent();
        var set = new WaitSet(hub);
        long due = timeout is { } t && t != Timeout.InfiniteTimeSpan ? Hub.DueAfter(t) : long.MaxValue;
        try
        {
            foreach (Greenlet g in greenlets)
            {
                ArgumentNullException.ThrowIfNull(g, nameof(greenlets));
                set.Watch(g);
            }

            while (set.Remaining > 0)
            {
                if (set.TryTake(out Greenlet? ready))
                {
                    yield return ready;
                    continue;
                }

                TimeSpan? left = null;
                if (due != long.MaxValue)
                {
                    long ticks = due - Stopwatch.GetTimestamp();
                    left = ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);
                }

                if (!await set.WaitAsync(hub.RequireGreenlet(nameof(IWait)), left, cancellationToken).ConfigureAwait(false))
                {
                    yield break; // timed out
                }
            }
        }
        finally
        {
            set.UnlinkAll();
        }
    }

    /// <summary>Collects greenlets as they finish, for <see cref="IWait"/>.</summary>
    private sealed class WaitSet(Hub hub) : ILinkTarget, IWaitSite
    {
        private readonly Queue<Greenlet> _ready = new();
        private readonly List<Greenlet> _linked = new();
        private Waiter? _waiter;

        public int Remaining { get; private set; }

        public void Watch(Greenlet g)
        {
            if (!ReferenceEquals(g.Hub, hub))
            {
                throw new ArgumentException($"Greenlet '{g.Name}' belongs to another hub.", "greenlets");
            }

            Remaining++;
            if (g.IsReady)
            {
                _ready.Enqueue(g);
            }
            else
            {
                g.AddLink(this);
                _linked.Add(g);
            }
        }

        public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Greenlet? g)
        {
            if (_ready.TryDequeue(out g))
            {
                Remaining--;
                return true;
            }

            return false;
        }

        public ValueTask<bool> WaitAsync(Greenlet owner, TimeSpan? timeout, CancellationToken cancellationToken)
        {
            Waiter w = hub.BeginWait(owner, this);
            _waiter = w;
            w.ArmDeadline(timeout, throwOnTimeout: false);
            w.ArmCancellation(cancellationToken);
            return w.AsValueTaskOfBool();
        }

        public void OnGreenletReady(Greenlet greenlet)
        {
            _ready.Enqueue(greenlet); // stays in _linked: unlinking a dead greenlet costs nothing
            Waiter? w = _waiter;
            _waiter = null;
            w?.Wake(null, result: true, from: this);
        }

        public void UnlinkAll()
        {
            foreach (Greenlet g in _linked)
            {
                g.RemoveLink(this);
            }

            _linked.Clear();
        }

        void IWaitSite.Abandon(Waiter waiter) => _waiter = null;

        string IWaitSite.Describe(Waiter waiter) => $"{Remaining} greenlet(s) to finish";
    }
}
