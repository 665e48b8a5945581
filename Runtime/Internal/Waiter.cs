using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace GreenProc.Internal;

/// <summary>
/// The awaitable behind every cooperative wait: one greenlet parked on one thing (a timer, an fd, a greenlet's
/// links, ...), with an optional deadline and cancellation token. Waiters are pooled per hub and versioned, so a
/// wait allocates nothing in the steady state.
/// </summary>
/// <remarks>
/// Continuations always run on the hub thread, queued at the back of its run queue: waking a waiter never runs its
/// greenlet inline (DESIGN §2, rule 3), and the scheduling flags of the awaiting code are ignored because the hub
/// already is the context every greenlet resumes on. Only the hub thread touches a waiter; cancellation callbacks
/// from other threads post to the hub and are matched against the version they were armed with.
/// </remarks>
internal class Waiter : IValueTaskSource, IValueTaskSource<bool>, IValueTaskSource<GreenReleaser>
{
    private const int Idle = 0, Pending = 1, Woken = 2;

    private static readonly Action<object?> s_runWithContext = RunWithContext;
    private static readonly Action<object?, CancellationToken> s_onCanceled = OnCanceledAnyThread;

    // Bumped on every reuse; awaiters and cancellation callbacks of an earlier wait are told apart by it.
    private short _version;

    // Idle (in the pool), Pending (parked), Woken (continuation queued or about to be).
    private int _state;

    // How the wait ended: an exception to throw, else the bool result (false = a per-call timeout, silent form).
    private Exception? _error;
    private bool _result;

    // The awaiting code's continuation.
    private Action<object?>? _continuation;
    private object? _continuationState;

    // Timers, token registration, handle reference and execution context: needed by some waits only, so kept in a
    // side object made on first use and reused with the waiter. A parked greenlet costs only what it uses.
    private Extras? _extras;

    // The semaphore or lock a LockAsync wait hands out a releaser for.
    private IReleasable? _releasable;

    /// <summary>The greenlet that waits.</summary>
    public Greenlet Owner { get; private set; } = null!;

    /// <summary>What the owner is parked on, or null for plain timers.</summary>
    public IWaitSite? Site { get; set; }

    /// <summary>Site-specific data (e.g. the fd direction).</summary>
    public int SiteData { get; set; }

    /// <summary>Intrusive links of the owner's list of waits in flight (usually one).</summary>
    public Waiter? NextActive { get; set; }

    public Waiter? PreviousActive { get; set; }

    /// <summary>Intrusive links of the FIFO this waiter is queued in at its site (see <see cref="WaiterQueue"/>).</summary>
    public Waiter? QueueNext { get; set; }

    public Waiter? QueuePrevious { get; set; }

    /// <summary>A value handed over with the wake-up (a queue item), read by the site's own code after it resumes.</summary>
    public object? Handoff { get; set; }

    /// <summary>For get-style waits: what the awaiting code receives once the wait ends (see <see cref="IResultSource"/>).</summary>
    public object? ResultSource { get; set; }

    /// <summary>The site that handed something over with the wake-up; it gets it back if a kill wins.</summary>
    public IHandoffSite? HandoffSite { get; set; }

    /// <summary>Wakes the waiter successfully, handing it <paramref name="handoff"/> from <paramref name="site"/>.</summary>
    public bool WakeWithHandoff(IHandoffSite site, IWaitSite from, object? handoff, bool runNow = false)
    {
        if (_state != Pending)
        {
            return false;
        }

        HandoffSite = site;
        Handoff = handoff;
        return Wake(null, result: true, from, runNow);
    }

    public short Version => _version;

    /// <summary>A yield: the wait ends, and the continuation is queued at the back, the moment it is awaited.</summary>
    public bool YieldOnAwait { get; set; }

    public bool IsPending => _state == Pending;

    public ValueTask AsValueTask() => new(this, _version);

    public ValueTask<bool> AsValueTaskOfBool() => new(this, _version);

    /// <summary>For lock waits: the awaiting code gets a <see cref="GreenReleaser"/> for <paramref name="releasable"/>.</summary>
    public ValueTask<GreenReleaser> AsReleaser(IReleasable releasable)
    {
        _releasable = releasable;
        return new(this, _version);
    }

    /// <summary>Parks <paramref name="owner"/> on <paramref name="site"/>. Called through <c>Hub.BeginWait</c>.</summary>
    public void Begin(Greenlet owner, IWaitSite? site)
    {
        Debug.Assert(_state == Idle);
        _state = Pending;
        Owner = owner;
        Site = site;
        owner.AddActiveWait(this);
    }

    /// <summary>Wakes the waiter (on the normal timer heap) at <paramref name="due"/>.</summary>
    public void ArmSleep(long due)
    {
        Extras x = GetExtras();
        x.SleepTimer ??= new SleepTimer(this);
        Owner.Hub.Timers.Add(x.SleepTimer, due);
    }

    /// <summary>
    /// Arms the per-call timeout of this wait on the timeout heap (fired after I/O, so a completion ready in the
    /// same loop turn wins). <paramref name="throwOnTimeout"/>: raise <see cref="GreenTimeoutException"/>, else
    /// complete with false.
    /// </summary>
    public void ArmDeadline(TimeSpan? timeout, bool throwOnTimeout)
    {
        if (timeout is not { } span || span == Timeout.InfiniteTimeSpan || _state != Pending)
        {
            return;
        }

        Extras x = GetExtras();
        x.DeadlineTimer ??= new DeadlineTimer(this);
        x.ThrowOnDeadline = throwOnTimeout;
        x.DeadlineSpan = span;
        Owner.Hub.Timeouts.Add(x.DeadlineTimer, Hub.DueAfter(span));
    }

    /// <summary>Wakes the waiter with <see cref="OperationCanceledException"/> when <paramref name="token"/> fires.</summary>
    public void ArmCancellation(CancellationToken token)
    {
        if (!token.CanBeCanceled || _state != Pending)
        {
            return;
        }

        if (token.IsCancellationRequested)
        {
            Wake(new OperationCanceledException(token), result: true, from: null);
            return;
        }

        Extras x = GetExtras();
        x.CancellationToken = token;
        x.CancellationArmed = true;
        Owner.Hub.Liveness.ExternalWakeSourceAdded();
        x.Cancellation = token.UnsafeRegister(s_onCanceled, new CancelTicket(this, Owner.Hub, _version));
    }

    /// <summary>Keeps <paramref name="handle"/> open for the duration of the wait (the caller already added a reference).</summary>
    public void HoldHandle(SafeHandle handle) => GetExtras().AddRefHandle = handle;

    private Extras GetExtras() => _extras ??= new Extras();

    /// <summary>
    /// Ends the wait: records how it ended, detaches it from its site, timers and token, and queues the owner's
    /// continuation. Returns false if it had already ended (the first reason wins).
    /// </summary>
    /// <param name="error">The exception the awaiting code gets, or null.</param>
    /// <param name="result">The result for a successful wait.</param>
    /// <param name="from">The site that is waking it (it has already forgotten the waiter), or null.</param>
    /// <param name="runNow">
    /// Run the owner's continuation right here instead of queuing it: only from a hub callback (a queue's unlock),
    /// where gevent switches into the woken greenlet inline; never from a greenlet (that would switch inline).
    /// </param>
    public bool Wake(Exception? error, bool result, IWaitSite? from, bool runNow = false)
    {
        if (_state != Pending)
        {
            return false;
        }

        _state = Woken;
        _error = error;
        _result = result;
        Detach(from);
        if (_continuation is not null)
        {
            if (runNow && _extras?.ExecutionContext is null)
            {
                Owner.Hub.RunNow(new WorkItem(_continuation, _continuationState, Owner));
            }
            else
            {
                QueueContinuation();
            }
        }

        return true;
    }

    private void Detach(IWaitSite? from)
    {
        IWaitSite? site = Site;
        Site = null;
        if (site is not null && !ReferenceEquals(site, from))
        {
            site.Abandon(this);
        }

        if (_extras is not { } x)
        {
            return;
        }

        Hub hub = Owner.Hub;
        if (x.SleepTimer is { IsArmed: true })
        {
            hub.Timers.Remove(x.SleepTimer);
        }

        if (x.DeadlineTimer is { IsArmed: true })
        {
            hub.Timeouts.Remove(x.DeadlineTimer);
        }

        if (x.CancellationArmed)
        {
            x.CancellationArmed = false;
            hub.Liveness.ExternalWakeSourceRemoved();
            x.Cancellation.Unregister(); // never blocks, unlike Dispose
            x.Cancellation = default;
        }

        if (x.AddRefHandle is not null)
        {
            x.AddRefHandle.DangerousRelease();
            x.AddRefHandle = null;
        }
    }

    private void QueueContinuation()
    {
        if (_extras?.ExecutionContext is null)
        {
            Owner.Hub.Enqueue(new WorkItem(_continuation!, _continuationState, Owner));
        }
        else
        {
            Owner.Hub.Enqueue(new WorkItem(s_runWithContext, this, Owner));
        }
    }

    private static void RunWithContext(object? state)
    {
        var w = (Waiter)state!;
        ExecutionContext.Run(w._extras!.ExecutionContext!, static s =>
        {
            var waiter = (Waiter)s!;
            waiter._continuation!(waiter._continuationState);
        }, w);
    }

    private static void OnCanceledAnyThread(object? state, CancellationToken token)
    {
        var ticket = (CancelTicket)state!;
        ticket.Hub.Post(static s =>
        {
            var t = (CancelTicket)s!;
            if (t.Waiter._version == t.Version && t.Waiter._state == Pending)
            {
                t.Waiter.Wake(new OperationCanceledException(t.Waiter._extras!.CancellationToken), result: true, from: null);
            }
        }, ticket);
    }

    private void OnSleepElapsed() => Wake(null, result: true, from: null);

    private void OnDeadline()
    {
        if (_extras!.ThrowOnDeadline)
        {
            Wake(new GreenTimeoutException(GreenTimeout.CreateExpired(_extras.DeadlineSpan, Owner)), result: false, from: null);
        }
        else
        {
            Wake(null, result: false, from: null);
        }
    }

    /// <summary>Describes the wait for deadlock reports.</summary>
    public string Describe()
    {
        string what = Site?.Describe(this) ?? (_extras?.SleepTimer is { IsArmed: true } ? "a sleep" : "a wake-up");
        if (_extras?.DeadlineTimer is { IsArmed: true })
        {
            what += $" (timeout {_extras.DeadlineSpan})";
        }

        return what;
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => GetStatus(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => GetStatus(token);

    ValueTaskSourceStatus IValueTaskSource<GreenReleaser>.GetStatus(short token) => GetStatus(token);

    private ValueTaskSourceStatus GetStatus(short token)
    {
        ValidateToken(token);
        return _state == Pending ? ValueTaskSourceStatus.Pending
            : _error is null ? ValueTaskSourceStatus.Succeeded
            : _error is OperationCanceledException ? ValueTaskSourceStatus.Canceled
            : ValueTaskSourceStatus.Faulted;
    }

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => OnCompleted(continuation, state, token, flags);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => OnCompleted(continuation, state, token, flags);

    void IValueTaskSource<GreenReleaser>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => OnCompleted(continuation, state, token, flags);

    private void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ValidateToken(token);
        if (_continuation is not null)
        {
            throw new InvalidOperationException("A GreenProc wait can be awaited only once.");
        }

        if (!Owner.Hub.IsHubThread)
        {
            throw Hub.WrongThread(Owner.Hub, "This GreenProc wait");
        }

        _continuation = continuation;
        _continuationState = state;
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            GetExtras().ExecutionContext = ExecutionContext.Capture();
        }

        if (YieldOnAwait && _state == Pending)
        {
            _state = Woken;
            _result = true;
            Detach(null);
            QueueContinuation();
        }
        else if (_state == Woken)
        {
            // Woken before anyone awaited it (rare: the ValueTask was stored and awaited later).
            QueueContinuation();
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        object? source = ResultSource;
        GetResultCore(token);
        (source as IResultSource)?.ThrowIfFailedNow();
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        object? source = ResultSource;
        bool result = GetResultCore(token);
        (source as IResultSource)?.ThrowIfFailedNow(); // e.g. a group's join that raises a member's error
        return result;
    }

    GreenReleaser IValueTaskSource<GreenReleaser>.GetResult(short token)
    {
        IReleasable releasable = _releasable!;
        GetResultCore(token); // raises a timeout, a kill or a cancellation; on success the permit or lock is ours
        return new GreenReleaser(releasable);
    }

    /// <summary>Ends the wait for the awaiting code: raises how it failed, or returns the result.</summary>
    private protected bool GetResultCore(short token)
    {
        ValidateToken(token);
        if (_state != Woken)
        {
            throw new InvalidOperationException("The wait has not completed; await it instead of reading its result.");
        }

        Exception? error = _error;
        bool result = _result;
        Greenlet owner = Owner;

        // A kill that arrived after the wait was satisfied is raised here, at the switch point (gevent's throw);
        // whatever the wake-up handed over goes back to its site first (before the reset: typed waiters still
        // hold the item then).
        Exception? pending = owner.TakePendingThrow();
        if (pending is not null && HandoffSite is { } handoffSite)
        {
            handoffSite.ReturnHandoff(this, Handoff);
        }

        Reset();
        owner.RemoveActiveWait(this);
        ReturnToPool(owner.Hub);
        if (pending is not null)
        {
            throw pending;
        }

        if (error is not null)
        {
            throw error;
        }

        return result;
    }

    /// <summary>Clears what a subclass keeps per wait.</summary>
    private protected virtual void OnReset()
    {
    }

    /// <summary>Gives the waiter back for reuse (the hub's pool; typed waiters have their owner's).</summary>
    private protected virtual void ReturnToPool(Hub hub) => hub.ReturnWaiter(this);

    private void Reset()
    {
        _state = Idle;
        _version++;
        _error = null;
        _continuation = null;
        _continuationState = null;
        if (_extras is { } x)
        {
            x.ExecutionContext = null;
            x.CancellationToken = default;
        }

        SiteData = 0;
        Handoff = null;
        HandoffSite = null;
        _releasable = null;
        ResultSource = null;
        YieldOnAwait = false;
        OnReset();
    }

    private void ValidateToken(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException("This GreenProc wait has already been consumed; a ValueTask can be awaited only once.");
        }
    }

    private sealed class CancelTicket(Waiter waiter, Hub hub, short version)
    {
        public readonly Waiter Waiter = waiter;
        public readonly Hub Hub = hub;
        public readonly short Version = version;
    }

    private sealed class Extras
    {
        public SleepTimer? SleepTimer;
        public DeadlineTimer? DeadlineTimer;
        public bool ThrowOnDeadline;
        public TimeSpan DeadlineSpan;
        public CancellationTokenRegistration Cancellation;
        public CancellationToken CancellationToken;
        public bool CancellationArmed;
        public SafeHandle? AddRefHandle;
        public ExecutionContext? ExecutionContext;
    }

    private sealed class SleepTimer(Waiter waiter) : HubTimer
    {
        public override void Fire() => waiter.OnSleepElapsed();
    }

    private sealed class DeadlineTimer(Waiter waiter) : HubTimer
    {
        public override void Fire() => waiter.OnDeadline();
    }
}
