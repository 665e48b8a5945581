using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A set of greenlets to wait for, kill, or map work over together (gevent's <c>Group</c>). A greenlet leaves the
/// group when its link callbacks run after it dies (so a dead greenlet still counts until then, as in gevent).
/// </summary>
/// <remarks>
/// Use it on its hub's thread only: it belongs to the hub it was created on (or, created outside any hub, to the first
/// hub that uses it), and a call from any other thread throws <see cref="InvalidOperationException"/>.
/// <see cref="GreenPool"/> adds a size limit.
/// </remarks>
public partial class GreenGroup : IReadOnlyCollection<Greenlet>
{
    // Members with the order they joined in (iteration, kill and join report in that order).
    private readonly Dictionary<Greenlet, long> _members = new();
    private readonly GreenEvent _empty = new(set: true);
    private readonly Action<Greenlet> _discard;
    private long _joined;

    // The hub it belongs to: the one it was created on, else the first that used it (checked before any change).
    private Hub? _hub = Hub.Current;

    /// <summary>Creates an empty group.</summary>
    public GreenGroup() => _discard = OnMemberDone;

    /// <summary>How many greenlets are members.</summary>
    public int Count => _members.Count;

    /// <summary>Whether <paramref name="greenlet"/> is a member.</summary>
    /// <param name="greenlet">The greenlet.</param>
    /// <returns>Whether it is in the group.</returns>
    public bool Contains(Greenlet greenlet) => _members.ContainsKey(greenlet);

    /// <summary>Spawns <paramref name="body"/> as a member.</summary>
    /// <param name="body">The greenlet's body.</param>
    /// <returns>The greenlet.</returns>
    public virtual Greenlet Spawn(Func<Task> body)
    {
        Greenlet g = Green.Spawn(body);
        AddMember(g);
        return g;
    }

    /// <summary>Spawns <paramref name="body"/> as a member.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="body">The greenlet's body.</param>
    /// <returns>The greenlet.</returns>
    public virtual Greenlet<T> Spawn<T>(Func<Task<T>> body)
    {
        Greenlet<T> g = Green.Spawn(body);
        AddMember(g);
        return g;
    }

    /// <summary>Spawns <paramref name="body"/> as a member, waiting for room first in a full <see cref="GreenPool"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="body">The greenlet's body.</param>
    /// <param name="cancellationToken">Ends the wait for room with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The greenlet.</returns>
    public virtual ValueTask<Greenlet<T>> SpawnAsync<T>(Func<Task<T>> body, CancellationToken cancellationToken = default)
        => new(Spawn(body));

    /// <summary>Spawns <paramref name="body"/> as a member, waiting for room first in a full <see cref="GreenPool"/>.</summary>
    /// <param name="body">The greenlet's body.</param>
    /// <param name="cancellationToken">Ends the wait for room with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The greenlet.</returns>
    public virtual ValueTask<Greenlet> SpawnAsync(Func<Task> body, CancellationToken cancellationToken = default)
        => new(Spawn(body));

    /// <summary>Makes <paramref name="greenlet"/> a member (it leaves when it dies).</summary>
    /// <param name="greenlet">The greenlet.</param>
    public virtual void Add(Greenlet greenlet)
    {
        ArgumentNullException.ThrowIfNull(greenlet);
        BindHub();
        AddMember(greenlet);
    }

    /// <summary>Adds a member without the pool's slot accounting (the caller has taken the slot).</summary>
    private protected void AddMember(Greenlet greenlet)
    {
        if (_members.TryAdd(greenlet, _joined++))
        {
            _empty.Clear();
            greenlet.Link(_discard);
        }
    }

    /// <summary>Removes <paramref name="greenlet"/> from the group without waiting for it.</summary>
    /// <param name="greenlet">The greenlet.</param>
    /// <returns>Whether it was a member.</returns>
    public virtual bool Discard(Greenlet greenlet)
    {
        ArgumentNullException.ThrowIfNull(greenlet);
        BindHub();
        if (!_members.Remove(greenlet))
        {
            return false;
        }

        greenlet.Unlink(_discard);
        _dying?.Remove(greenlet);
        OnRemoved();
        return true;
    }

    /// <summary>
    /// Waits until the group is empty (gevent's <c>join</c>). With <paramref name="raiseError"/>, then raises the
    /// error of the first member (in joining order) that failed; a canceled member did not fail.
    /// </summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="raiseError">Raise a member's error after the wait.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>True if the group emptied, false if the timeout passed first.</returns>
    public ValueTask<bool> JoinAsync(TimeSpan? timeout = null, bool raiseError = false, CancellationToken cancellationToken = default)
    {
        // The event's waiter itself is returned (with the error check riding on it): an async method here would
        // resume the caller one step after gevent's join, behind a feeder refilling the slot the last member freed.
        return raiseError
            ? _empty.WaitAsync(timeout, new MemberErrors(Members()), cancellationToken)
            : _empty.WaitAsync(timeout, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="func"/> in a member greenlet and returns its value; called from a member of this group it
    /// runs inline instead (gevent's <c>apply</c>), so a member never waits for a slot it is itself holding.
    /// </summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="func">The work.</param>
    /// <returns>Its value.</returns>
    public async Task<T> Apply<T>(Func<Task<T>> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        if (Hub.Current?.CurrentGreenlet is { } current && Contains(current))
        {
            return await func().ConfigureAwait(true);
        }

        Greenlet<T> g = await SpawnAsync(func).ConfigureAwait(true);
        return (await g.GetAsync().ConfigureAwait(true))!;
    }

    /// <summary>Runs <paramref name="func"/> over <paramref name="items"/> in member greenlets and returns the results in input order.</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="func">The work per item.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">Stops waiting (and spawning).</param>
    /// <returns>The results, in the order of <paramref name="items"/>; the first failing item's error (in that order) is raised.</returns>
    public async Task<List<TResult>> MapAsync<TIn, TResult>(Func<TIn, Task<TResult>> func, IEnumerable<TIn> items, CancellationToken cancellationToken = default)
    {
        var results = new List<TResult>();
        await foreach (TResult r in Imap(func, items, cancellationToken).ConfigureAwait(true))
        {
            results.Add(r);
        }

        return results;
    }

    /// <summary>Runs <paramref name="func"/> over <paramref name="items"/> in member greenlets and waits for all.</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <param name="func">The work per item.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">Stops waiting (and spawning).</param>
    /// <returns>A task; the first failing item's error (in input order) is raised.</returns>
    public async Task MapAsync<TIn>(Func<TIn, Task> func, IEnumerable<TIn> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(func);
        await MapAsync<TIn, bool>(async item =>
        {
            await func(item).ConfigureAwait(true);
            return true;
        }, items, cancellationToken).ConfigureAwait(true);
    }

    /// <summary>
    /// Runs <paramref name="func"/> over <paramref name="items"/> in member greenlets (a <see cref="GreenPool"/> keeps at
    /// most its size running) and yields the results in input order (gevent's <c>imap</c>). A failing item raises its
    /// error at its position in the sequence, a canceled one its OperationCanceledException (as awaiting it would).
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="func">The work per item.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">Stops waiting (and spawning).</param>
    /// <returns>The results in input order.</returns>
    public IAsyncEnumerable<TResult> Imap<TIn, TResult>(Func<TIn, Task<TResult>> func, IEnumerable<TIn> items, CancellationToken cancellationToken = default)
        => MapSequence(func, items, ordered: true, cancellationToken);

    /// <summary>Like <see cref="Imap{TIn, TResult}"/>, but yields each result as soon as it is ready (gevent's <c>imap_unordered</c>).</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="func">The work per item.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">Stops waiting (and spawning).</param>
    /// <returns>The results in completion order.</returns>
    public IAsyncEnumerable<TResult> ImapUnordered<TIn, TResult>(Func<TIn, Task<TResult>> func, IEnumerable<TIn> items, CancellationToken cancellationToken = default)
        => MapSequence(func, items, ordered: false, cancellationToken);

    /// <summary>Enumerates the members in the order they joined.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<Greenlet> GetEnumerator() => ((IEnumerable<Greenlet>)Members()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Checks the caller runs on the group's hub before a change to the members; the other operations are refused by the
    /// greenlet calls they make first.
    /// </summary>
    private protected void BindHub() => Hub.Bind(ref _hub, this);

    /// <summary>Called when a member leaves (the pool frees its slot).</summary>
    private protected virtual void OnMemberLeft()
    {
    }

    private Greenlet[] Members() => _members.OrderBy(p => p.Value).Select(p => p.Key).ToArray();

    private void OnMemberDone(Greenlet greenlet)
    {
        if (_members.Remove(greenlet))
        {
            _dying?.Remove(greenlet);
            OnRemoved();
        }
    }

    private void OnRemoved()
    {
        // gevent's Pool._discard: the empty event is set before the slot is released, so a JoinAsync waiting for the
        // group to empty resumes before a spawner waiting for that slot (a map's feeder) fills it again.
        if (_members.Count == 0)
        {
            _empty.Set();
        }

        OnMemberLeft();
    }

    private ImapSequence<TIn, TResult> MapSequence<TIn, TResult>(Func<TIn, Task<TResult>> func, IEnumerable<TIn> items, bool ordered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(func);
        ArgumentNullException.ThrowIfNull(items);

        // A feeder greenlet spawns the workers (waiting for pool slots), as gevent's IMap greenlet does; see
        // ImapEnumerator for how results reach the consumer.
        return new ImapSequence<TIn, TResult>(this, func, items, ordered, cancellationToken);
    }

    /// <summary>A raising join's check, run as its wait ends: the first member (in joining order) that failed raises.</summary>
    private sealed class MemberErrors(Greenlet[] members) : IResultSource
    {
        public void ThrowIfFailedNow()
        {
            foreach (Greenlet g in members)
            {
                if (g.Exception is { } error)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                }
            }
        }
    }
}
