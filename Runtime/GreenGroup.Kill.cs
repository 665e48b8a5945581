using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

// Kill: gevent's Group.kill, which goes on killing until the group is empty.
public partial class GreenGroup
{
    // Members a kill was sent to (gevent's `dying`): no later round or later kill raises in them again while they die
    // (a member cleaning up in a finally block is not interrupted twice). A member leaves it when it leaves the group.
    private HashSet<Greenlet>? _dying;

    /// <summary>
    /// Kills every member (gevent's <c>kill</c>), and with <paramref name="block"/> returns only once the group is
    /// empty: members that join while it waits (a running map's feeder refilling the slots the kill frees) are
    /// killed in turn. A member that calls it is not killed, and its wait ends when it is the only member left.
    /// </summary>
    /// <remarks>
    /// As in gevent, the kill does not stop a map or imap running over the group: its feeder is not a member, so after
    /// the kill has returned it goes on spawning the items left, and the map's caller gets the killed items' values
    /// (<c>default</c>, where gevent gives the <c>GreenletExit</c>) in their places. To stop a map, cancel its token
    /// or leave its enumeration.
    /// </remarks>
    /// <param name="exception">What to raise in each; null for <see cref="GreenletExit"/>.</param>
    /// <param name="block">Whether to wait until the group is empty.</param>
    /// <param name="timeout">With <paramref name="block"/>, how long to wait; the kill then returns quietly and the
    /// members go on dying.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that ends when the group is empty, or at once when not blocking.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="block"/> with members to wait for, outside a greenlet.</exception>
    public ValueTask KillAsync(Exception? exception = null, bool block = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Greenlet? current = Hub.Current?.CurrentGreenlet;
        KillMembers(exception, current);
        if (!block || IsEmptyBut(current))
        {
            return default;
        }

        // One waiter for every round (so the timeout covers the whole kill, as gevent's single Timeout does), resumed
        // by the last death it waits for; not an async method, whose completion would resume the caller a step later.
        Hub hub = Hub.RequireCurrent();
        var wait = new KillWait(this, exception, current);
        Waiter w = hub.BeginWait(hub.RequireGreenlet(nameof(KillAsync)), wait);
        wait.Waiter = w;
        wait.LinkMembers();
        w.ArmDeadline(timeout, throwOnTimeout: false);
        w.ArmCancellation(cancellationToken);
        return w.AsValueTask();
    }

    /// <summary>Sends a kill to every member but <paramref name="current"/> that has not had one (gevent's loop body).</summary>
    private void KillMembers(Exception? exception, Greenlet? current)
    {
        foreach (Greenlet g in Members())
        {
            if (!ReferenceEquals(g, current) && (_dying ??= new HashSet<Greenlet>()).Add(g))
            {
                // Never waits (block: false) and never raises here: only a greenlet killing itself gets the exception.
                g.KillAsync(exception, block: false).GetAwaiter().GetResult();
            }
        }
    }

    private bool IsEmptyBut(Greenlet? current) => _members.Count == (current is not null && _members.ContainsKey(current) ? 1 : 0);

    /// <summary>
    /// A blocking kill's wait: gevent's <c>joinall(self.greenlets)</c> inside its kill loop, as one link on each member
    /// counting down. Invariant: <see cref="Waiter"/> is null once the wait has ended (the group emptied, or the wait
    /// was abandoned for a timeout, a cancellation or a kill of the killer); links still due then do nothing.
    /// </summary>
    private sealed class KillWait(GreenGroup group, Exception? exception, Greenlet? killer) : ILinkTarget, IWaitSite
    {
        /// <summary>Members whose death the current round waits for.</summary>
        private int _remaining;

        /// <summary>The killing greenlet's wait, while it lasts.</summary>
        public Waiter? Waiter { get; set; }

        /// <summary>Links every member but the killer: behind the group's own link and a map's, as gevent's joinall rawlinks.</summary>
        public void LinkMembers()
        {
            foreach (Greenlet g in group._members.Keys)
            {
                if (!ReferenceEquals(g, killer))
                {
                    _remaining++;
                    g.AddLink(this);
                }
            }
        }

        public void OnGreenletReady(Greenlet greenlet)
        {
            if (--_remaining > 0 || Waiter is not { } w)
            {
                return;
            }

            // The round's last death, in its link callback: where gevent's joinall switches back into the killer, which
            // looks at the group before the callbacks those deaths queued can run (the freed slots' hand-off to a map's
            // feeder). Members that joined during the round are killed and waited for in turn.
            group.KillMembers(exception, killer);
            if (!group.IsEmptyBut(killer))
            {
                LinkMembers();
                return;
            }

            Waiter = null;
            w.Wake(null, result: true, from: this, runNow: true); // links run in a hub callback: resume the killer inline
        }

        void IWaitSite.Abandon(Waiter waiter)
        {
            if (ReferenceEquals(Waiter, waiter))
            {
                Waiter = null;
            }
        }

        string IWaitSite.Describe(Waiter waiter) => $"{_remaining} killed member(s) of a {group.GetType().Name} to die";
    }
}
