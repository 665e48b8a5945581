using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace GreenProc.Internal;

/// <summary>
/// One enumeration of an Imap or ImapUnordered (gevent's <c>IMap</c>/<c>IMapUnordered</c>): a feeder greenlet spawns
/// the workers into the group (waiting for pool slots), each worker's death hands its result here through a link,
/// and the consumer's <see cref="MoveNextAsync"/> takes the next one.
/// </summary>
/// <remarks>
/// <para>Scheduling is gevent's, where results go through a queue: a result that is there when the consumer asks is
/// returned without a switch; a consumer that waits is woken by one "deliver" callback (at most one pending) queued
/// at the back of the run queue when a result arrives, which resumes it inline, as the queue's unlock callback
/// switches into the getter. The consumer's <c>ValueTask</c> is backed by its waiter through this object (no async
/// iterator: completing an async iterator's <c>MoveNextAsync</c> posts the consumer's continuation once more, which
/// handed results over one scheduling step later than gevent).</para>
/// <para>Everything runs on the hub thread: the links and the deliver callback are hub callbacks, the rest runs in
/// the consumer or the feeder.</para>
/// </remarks>
[DebuggerDisplay("Imap(ordered = {_byIndex != null}, handed out = {_handedOut}, total = {_total})")]
internal sealed class ImapEnumerator<TIn, TResult> : IAsyncEnumerator<TResult>, IValueTaskSource<bool>, IWaitSite
{
    private static readonly Action<object?> s_deliver = static s => ((ImapEnumerator<TIn, TResult>)s!).Deliver();

    private readonly GreenGroup _group;
    private readonly Func<TIn, Task<TResult>> _func;
    private readonly IEnumerable<TIn> _items;
    private readonly CancellationToken _token;
    private readonly CancellationTokenSource? _linkedTokenSource;

    // Results that arrived and were not handed out yet: by index for Imap; in arrival order for ImapUnordered, where
    // a null entry stands for the feeder's failure (raised after the results that arrived before it, as gevent
    // queues it).
    private readonly Dictionary<int, Greenlet<TResult>>? _byIndex;
    private readonly Queue<Greenlet<TResult>?>? _arrived;

    // The hub (bound at the first MoveNextAsync) and the feeder (spawned then).
    private Hub? _hub;
    private Greenlet? _feeder;

    // Results handed out (for Imap also the index of the next one); workers spawned, known once the feeder has
    // ended (-1 until then), and the error it ended with.
    private int _handedOut;
    private int _total = -1;
    private Exception? _feederError;

    // Set once the end or the feeder's error was handed out, or on dispose: from then on MoveNextAsync returns false
    // and arriving results are dropped.
    private bool _ended;
    private bool _disposed;

    // The consumer's parked MoveNextAsync (null while it is not waiting), and the waiter behind the ValueTask
    // handed out last (kept until its GetResult, which this object forwards).
    private Waiter? _waiter;
    private Waiter? _awaited;

    // A worker's error handed out with the wake-up: GetResult raises it with its original stack.
    private Exception? _deliveredError;
    private bool _deliverScheduled;
    private TResult _current = default!;

    public ImapEnumerator(GreenGroup group, Func<TIn, Task<TResult>> func, IEnumerable<TIn> items, bool ordered,
        CancellationToken token, CancellationTokenSource? linkedTokenSource)
    {
        _group = group;
        _func = func;
        _items = items;
        _token = token;
        _linkedTokenSource = linkedTokenSource;
        if (ordered)
        {
            _byIndex = new Dictionary<int, Greenlet<TResult>>();
        }
        else
        {
            _arrived = new Queue<Greenlet<TResult>?>();
        }
    }

    private enum Step
    {
        NotYet,
        Value,
        Error,
        End,
    }

    public TResult Current => _current;

    public ValueTask<bool> MoveNextAsync()
    {
        Hub hub = Hub.Bind(ref _hub, this);
        if (_awaited is not null)
        {
            throw new InvalidOperationException("MoveNextAsync was called again before the ValueTask of the previous call was awaited.");
        }

        if (_disposed)
        {
            return new ValueTask<bool>(false);
        }

        _feeder ??= Green.Spawn(Feed, "imap feeder");
        switch (TryAdvance(out Exception? error))
        {
            case Step.Value:
                return new ValueTask<bool>(true);
            case Step.End:
                return new ValueTask<bool>(false);
            case Step.Error:
                return ValueTask.FromException<bool>(error!);
        }

        Waiter w = hub.BeginWait(hub.RequireGreenlet(nameof(MoveNextAsync)), this);
        _waiter = w;
        _awaited = w;
        w.ArmCancellation(_token); // may wake it at once (the token is already cancelled): it then leaves _waiter
        return new ValueTask<bool>(this, w.Version);
    }

    // A pooling builder, as GreenProc's other async methods: a caller awaiting with ConfigureAwait(false) stays on the
    // hub (a Task-backed ValueTask would send its continuation to the thread pool when the kill completes it).
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ended = true;
        _byIndex?.Clear();
        _arrived?.Clear();
        try
        {
            // The consumer stopped early: stop spawning (workers already running finish in the group).
            if (_feeder is { IsReady: false } feeder)
            {
                await feeder.KillAsync().ConfigureAwait(true);
            }
        }
        finally
        {
            _linkedTokenSource?.Dispose();
        }
    }

    /// <summary>The feeder greenlet's body (gevent's <c>IMapUnordered._run</c>).</summary>
    private async Task Feed()
    {
        int spawned = 0;
        try
        {
            foreach (TIn item in _items)
            {
                var work = new Work(this, item, spawned);
                Greenlet<TResult> worker = await _group.SpawnAsync(work.Run, _token).ConfigureAwait(true);
                spawned++;
                worker.AddLink(work); // after the group's own link, as gevent's rawlink after the pool's add
            }
        }
        catch (Exception e)
        {
            OnFeederEnded(spawned, e);
            throw; // the feeder fails (and is reported) as gevent's IMap greenlet does
        }

        OnFeederEnded(spawned, null);
    }

    private void OnFeederEnded(int spawned, Exception? error)
    {
        if (_ended)
        {
            return;
        }

        _total = spawned;
        _feederError = error;
        if (error is not null)
        {
            _arrived?.Enqueue(null);
        }

        ScheduleDeliver();
    }

    /// <summary>A worker died (its link, a hub callback): keep its result for the consumer.</summary>
    private void OnResult(int index, Greenlet<TResult> worker)
    {
        if (_ended)
        {
            return;
        }

        if (_byIndex is not null)
        {
            _byIndex.Add(index, worker);
        }
        else
        {
            _arrived!.Enqueue(worker);
        }

        ScheduleDeliver();
    }

    private void ScheduleDeliver()
    {
        // gevent's queue schedules its unlock callback on a put only while a getter waits, and only one at a time.
        if (_waiter is not null && !_deliverScheduled)
        {
            _deliverScheduled = true;
            _hub!.Enqueue(new WorkItem(s_deliver, this, null));
        }
    }

    private void Deliver()
    {
        _deliverScheduled = false;
        if (_waiter is not { } w)
        {
            return; // the wait ended otherwise (cancelled, killed)
        }

        Step step = TryAdvance(out Exception? error);
        if (step == Step.NotYet)
        {
            return; // Imap: a later index arrived first; gevent's consumer wakes, stores it and waits again
        }

        _waiter = null;
        _deliveredError = error;
        w.Wake(null, result: step != Step.End, from: this, runNow: true);
    }

    /// <summary>Takes the next result if there is one: into <see cref="Current"/>, or as the error to raise.</summary>
    private Step TryAdvance(out Exception? error)
    {
        error = null;
        if (_ended)
        {
            return Step.End;
        }

        Greenlet<TResult>? worker;
        if (_byIndex is not null)
        {
            if (!_byIndex.Remove(_handedOut, out worker))
            {
                return EndOrNotYet(out error);
            }
        }
        else if (!_arrived!.TryDequeue(out worker))
        {
            return EndOrNotYet(out error);
        }
        else if (worker is null)
        {
            _ended = true;
            error = _feederError;
            return Step.Error;
        }

        _handedOut++;
        if (worker.ErrorOrCancellation is { } failed)
        {
            error = failed; // at its position (a canceled item raises its OperationCanceledException, as awaiting it
                            // would); the enumeration may go on after it, as gevent's does
            return Step.Error;
        }

        _current = worker.Value!; // a killed worker's value is default (gevent yields its GreenletExit)
        return Step.Value;
    }

    private Step EndOrNotYet(out Exception? error)
    {
        error = null;
        if (_total < 0 || _handedOut < _total)
        {
            return Step.NotYet;
        }

        // Every spawned worker's result was handed out. An Imap raises the feeder's error last (gevent keys it at
        // the index after the last item); an ImapUnordered has raised it from its queue already.
        _ended = true;
        error = _byIndex is null ? null : _feederError;
        return error is null ? Step.End : Step.Error;
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token)
    {
        ValueTaskSourceStatus status = ((IValueTaskSource<bool>)Awaited()).GetStatus(token);
        return status == ValueTaskSourceStatus.Succeeded && _deliveredError is not null ? ValueTaskSourceStatus.Faulted : status;
    }

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => ((IValueTaskSource<bool>)Awaited()).OnCompleted(continuation, state, token, flags);

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        Waiter awaited = Awaited();
        if (token != awaited.Version)
        {
            throw new InvalidOperationException("This MoveNextAsync result was already consumed; a ValueTask can be awaited only once.");
        }

        var w = (IValueTaskSource<bool>)awaited;
        Exception? delivered;
        bool result;
        try
        {
            result = w.GetResult(token); // raises a cancellation, a kill or a bad token; recycles the waiter
        }
        finally
        {
            _awaited = null;
            delivered = _deliveredError;
            _deliveredError = null;
        }

        if (delivered is not null)
        {
            ExceptionDispatchInfo.Throw(delivered);
        }

        return result;
    }

    private Waiter Awaited()
        => _awaited ?? throw new InvalidOperationException("This MoveNextAsync result was already consumed; a ValueTask can be awaited only once.");

    void IWaitSite.Abandon(Waiter waiter)
    {
        if (ReferenceEquals(_waiter, waiter))
        {
            _waiter = null;
        }
    }

    string IWaitSite.Describe(Waiter waiter) => _byIndex is null ? "the next result of an ImapUnordered" : "the next result of an Imap";

    /// <summary>One item: the worker's body, and the link that hands its result back with its index.</summary>
    private sealed class Work(ImapEnumerator<TIn, TResult> owner, TIn item, int index) : ILinkTarget
    {
        public Task<TResult> Run() => owner._func(item);

        public void OnGreenletReady(Greenlet greenlet) => owner.OnResult(index, (Greenlet<TResult>)greenlet);
    }
}
