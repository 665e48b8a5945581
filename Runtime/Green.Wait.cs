using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

public static partial class Green
{
    /// <summary>
    /// Waits until every greenlet has finished (gevent's <c>joinall</c>). With <paramref name="raiseError"/>, the
    /// first greenlet to fail (in completion order) ends the wait with its error; a canceled greenlet did not fail
    /// (<see cref="Greenlet.IsCanceled"/>): it counts as finished, as with <see cref="Greenlet.JoinAsync"/>.
    /// </summary>
    /// <param name="greenlets">The greenlets.</param>
    /// <param name="timeout">How long to wait; null waits forever. On timeout the greenlets that did finish are returned.</param>
    /// <param name="raiseError">Raise the first error instead of waiting for the rest.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The greenlets that finished, in the order they finished (those already finished first, in the order given).</returns>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    public static async ValueTask<IReadOnlyList<Greenlet>> JoinAll(
        IEnumerable<Greenlet> greenlets, TimeSpan? timeout = null, bool raiseError = false, CancellationToken cancellationToken = default)
    {
        WaitSet set = await WaitSet.RunAsync(greenlets, timeout, count: null, stopOnError: raiseError, cancellationToken);
        if (raiseError && set.FirstError is { } failed)
        {
            ExceptionDispatchInfo.Throw(failed.Exception!);
        }

        return set.Done;
    }

    /// <summary>
    /// Waits until <paramref name="count"/> of the greenlets (all when null) have finished, or the timeout passes
    /// (gevent's <c>wait</c>). Never raises the greenlets' errors.
    /// </summary>
    /// <param name="greenlets">The greenlets.</param>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="count">How many must finish; null for all.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The greenlets that finished, in the order they finished (those already finished first, in the order given).</returns>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    public static async ValueTask<IReadOnlyList<Greenlet>> Wait(
        IEnumerable<Greenlet> greenlets, TimeSpan? timeout = null, int? count = null, CancellationToken cancellationToken = default)
    {
        if (count is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "count must be zero or positive.");
        }

        WaitSet set = await WaitSet.RunAsync(greenlets, timeout, count, stopOnError: false, cancellationToken);
        return set.Done;
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
        var set = new WaitSet(hub, Materialize(greenlets), count: 1, stopOnError: false);
        Deadline deadline = Deadline.Start(timeout);
        int taken = 0;
        try
        {
            set.Watch();
            while (taken < set.Greenlets.Length)
            {
                if (taken < set.Done.Count)
                {
                    yield return set.Done[taken++];
                    continue;
                }

                set.Target = taken + 1;
                if (!await set.WaitAsync(hub.RequireGreenlet(nameof(IWait)), deadline.Remaining, cancellationToken))
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

    private static Greenlet[] Materialize(IEnumerable<Greenlet> greenlets)
    {
        ArgumentNullException.ThrowIfNull(greenlets);
        Greenlet[] array = [.. greenlets];
        foreach (Greenlet g in array)
        {
            ArgumentNullException.ThrowIfNull(g, nameof(greenlets));
        }

        return array;
    }

    /// <summary>
    /// Greenlets being waited for: links itself to each, records them in completion order, and wakes its one
    /// waiter when enough have finished (one park for the whole set, not one per greenlet).
    /// </summary>
    private sealed class WaitSet(Hub hub, Greenlet[] greenlets, int count, bool stopOnError) : ILinkTarget, IWaitSite
    {
        private Waiter? _waiter;

        public Greenlet[] Greenlets { get; } = greenlets;

        public List<Greenlet> Done { get; } = new(Math.Min(greenlets.Length, 1024));

        /// <summary>How many finished greenlets end the wait.</summary>
        public int Target { get; set; } = count;

        public Greenlet? FirstError { get; private set; }

        [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
        public static async ValueTask<WaitSet> RunAsync(
            IEnumerable<Greenlet> greenlets, TimeSpan? timeout, int? count, bool stopOnError, CancellationToken cancellationToken)
        {
            Hub.ValidateTimeout(timeout, nameof(timeout));
            Hub hub = Hub.RequireCurrent();
            Greenlet[] array = Materialize(greenlets);
            var set = new WaitSet(hub, array, Math.Min(count ?? array.Length, array.Length), stopOnError);
            try
            {
                set.Watch();
                if (!set.Satisfied)
                {
                    await set.WaitAsync(hub.RequireGreenlet(nameof(JoinAll)), timeout, cancellationToken);
                }
            }
            finally
            {
                set.UnlinkAll();
            }

            return set;
        }

        private bool Satisfied => Done.Count >= Target || FirstError is not null;

        public void Watch()
        {
            foreach (Greenlet g in Greenlets)
            {
                if (!ReferenceEquals(g.Hub, hub))
                {
                    throw new ArgumentException($"Greenlet '{g.Name}' belongs to another hub.", "greenlets");
                }

                if (g.IsReady)
                {
                    Record(g);
                }
                else
                {
                    g.AddLink(this);
                }
            }
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
            Record(greenlet);
            if (Satisfied && _waiter is { } w)
            {
                _waiter = null;
                w.Wake(null, result: true, from: this);
            }
        }

        public void UnlinkAll()
        {
            foreach (Greenlet g in Greenlets)
            {
                if (!g.IsReady)
                {
                    g.RemoveLink(this);
                }
            }
        }

        private void Record(Greenlet g)
        {
            Done.Add(g);
            if (stopOnError && FirstError is null && g.Exception is not null)
            {
                FirstError = g;
            }
        }

        void IWaitSite.Abandon(Waiter waiter) => _waiter = null;

        string IWaitSite.Describe(Waiter waiter) => $"{Greenlets.Length - Done.Count} greenlet(s) to finish";
    }
}
