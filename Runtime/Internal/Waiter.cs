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
internal sealed class Waiter : IValueTaskSource, IValueTaskSource<bool>
{
    private const int Idle = 0, Pending = 1, Woken = 2;

    private static readonly Action<object?> s_runWithContext = RunWithContext;
    private static readonly Action<object?, CancellationToken> s_onCanceled = OnCanceledAnyThread;

    private readonly Hub _hub;

    // Bumped on every reuse; awaiters and cancellation callbacks of an earlier wait are told apart by it.
    private short _version;

    // Idle (in the pool), Pending (parked), Woken (continuation queued or about to be).
    private int _state;

    // How the wait ended: an exception to throw, else the bool result (false = a per-call timeout, silent form).
    private Exception? _error;
    private bool _result;

    // The awaiting code's continuation, and the execution context to run it in when the awaiter asked to flow one.
    private Action<object?>? _continuation;
    private object? _continuationState;
    private ExecutionContext? _executionContext;

    // Timers owned by this waiter, created on first use and reused with it.
    private SleepTimer? _sleepTimer;
    private DeadlineTimer? _deadlineTimer;
    private bool _throwOnDeadline;
    private TimeSpan _deadlineSpan;

    // Cancellation of the current wait (registration counts as an outside wake source for deadlock detection).
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _cancellationToken;
    private bool _cancellationArmed;

    // A SafeHandle referenced for the duration of an fd wait (released when the wait ends).
    private SafeHandle? _addRefHandle;

    public Waiter(Hub hub) => _hub = hub;

    /// <summary>The greenlet that waits.</summary>
    public Greenlet Owner { get; private set; } = null!;

    /// <summary>What the owner is parked on, or null for plain timers.</summary>
    public IWaitSite? Site { get; set; }

    /// <summary>Site-specific data (e.g. the fd direction).</summary>
    public int SiteData { get; set; }

    /// <summary>Intrusive links of the owner's list of waits in flight (usually one).</summary>
    public Waiter? NextActive { get; set; }

    public Waiter? PreviousActive { get; set; }

    public short Version => _version;

    /// <summary>A yield: the wait ends, and the continuation is queued at the back, the moment it is awaited.</summary>
    public bool YieldOnAwait { get; set; }

    public bool IsPending => _state == Pending;

    public ValueTask AsValueTask() => new(this, _version);

    public ValueTask<bool> AsValueTaskOfBool() => new(this, _version);

    /// <summary>Parks <paramref name="owner"/> on <paramref name="site"/>. Called through <see cref="Hub.BeginWait"/>.</summary>
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
        _sleepTimer ??= new SleepTimer(this);
        _hub.Timers.Add(_sleepTimer, due);
    }

    /// <summary>
    /// Arms the per-call timeout of this wait on the timeout heap (fired after I/O, so a completion ready in the
    /// same loop turn wins). <paramref name="throwOnTimeout"/>: raise <see cref="GreenTimeoutException"/>, else
    /// complete with false.
    /// </summary>
    public void ArmDeadline(TimeSpan? timeout, bool throwOnTimeout)
    {
        if (timeout is not { } span || span == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        _deadlineTimer ??= new DeadlineTimer(this);
        _throwOnDeadline = throwOnTimeout;
        _deadlineSpan = span;
        _hub.Timeouts.Add(_deadlineTimer, Hub.DueAfter(span));
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

        _cancellationToken = token;
        _cancellationArmed = true;
        _hub.ExternalWakeSources++;
        _cancellation = token.UnsafeRegister(s_onCanceled, new CancelTicket(this, _version));
    }

    /// <summary>Keeps <paramref name="handle"/> open for the duration of the wait (the caller already added a reference).</summary>
    public void HoldHandle(SafeHandle handle) => _addRefHandle = handle;

    /// <summary>
    /// Ends the wait: records how it ended, detaches it from its site, timers and token, and queues the owner's
    /// continuation. Returns false if it had already ended (the first reason wins).
    /// </summary>
    /// <param name="error">The exception the awaiting code gets, or null.</param>
    /// <param name="result">The result for a successful wait.</param>
    /// <param name="from">The site that is waking it (it has already forgotten the waiter), or null.</param>
    public bool Wake(Exception? error, bool result, IWaitSite? from)
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
            QueueContinuation();
        }

        return true;
    }

    private void Detach(IWaitSite? from)
    {
        if (_sleepTimer is { IsArmed: true })
        {
            _hub.Timers.Remove(_sleepTimer);
        }

        if (_deadlineTimer is { IsArmed: true })
        {
            _hub.Timeouts.Remove(_deadlineTimer);
        }

        IWaitSite? site = Site;
        Site = null;
        if (site is not null && !ReferenceEquals(site, from))
        {
            site.Abandon(this);
        }

        if (_cancellationArmed)
        {
            _cancellationArmed = false;
            _hub.ExternalWakeSources--;
            _cancellation.Unregister(); // never blocks, unlike Dispose
            _cancellation = default;
        }

        if (_addRefHandle is not null)
        {
            _addRefHandle.DangerousRelease();
            _addRefHandle = null;
        }
    }

    private void QueueContinuation()
    {
        if (_executionContext is null)
        {
            _hub.Enqueue(new WorkItem(_continuation!, _continuationState, Owner));
        }
        else
        {
            _hub.Enqueue(new WorkItem(s_runWithContext, this, Owner));
        }
    }

    private static void RunWithContext(object? state)
    {
        var w = (Waiter)state!;
        ExecutionContext.Run(w._executionContext!, static s =>
        {
            var waiter = (Waiter)s!;
            waiter._continuation!(waiter._continuationState);
        }, w);
    }

    private static void OnCanceledAnyThread(object? state, CancellationToken token)
    {
        var ticket = (CancelTicket)state!;
        ticket.Waiter._hub.Post(static s =>
        {
            var t = (CancelTicket)s!;
            if (t.Waiter._version == t.Version && t.Waiter._state == Pending)
            {
                t.Waiter.Wake(new OperationCanceledException(t.Waiter._cancellationToken), result: true, from: null);
            }
        }, ticket);
    }

    private void OnSleepElapsed() => Wake(null, result: true, from: null);

    private void OnDeadline()
    {
        if (_throwOnDeadline)
        {
            Wake(new GreenTimeoutException(GreenTimeout.CreateExpired(_deadlineSpan, Owner)), result: false, from: null);
        }
        else
        {
            Wake(null, result: false, from: null);
        }
    }

    /// <summary>Describes the wait for deadlock reports.</summary>
    public string Describe()
    {
        string what = Site?.Describe(this) ?? (_sleepTimer is { IsArmed: true } ? "a sleep" : "a wake-up");
        if (_deadlineTimer is { IsArmed: true })
        {
            what += $" (timeout {_deadlineSpan})";
        }

        return what;
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => GetStatus(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => GetStatus(token);

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

    private void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ValidateToken(token);
        if (_continuation is not null)
        {
            throw new InvalidOperationException("A GreenProc wait can be awaited only once.");
        }

        if (!_hub.IsHubThread)
        {
            throw new InvalidOperationException("A GreenProc wait must be awaited on the thread of the hub that created it.");
        }

        _continuation = continuation;
        _continuationState = state;
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            _executionContext = ExecutionContext.Capture();
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

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    bool IValueTaskSource<bool>.GetResult(short token) => GetResult(token);

    private bool GetResult(short token)
    {
        ValidateToken(token);
        if (_state != Woken)
        {
            throw new InvalidOperationException("The wait has not completed; await it instead of reading its result.");
        }

        Exception? error = _error;
        bool result = _result;
        Greenlet owner = Owner;
        Reset();
        owner.RemoveActiveWait(this);
        _hub.ReturnWaiter(this);

        // A kill that arrived after the wait was satisfied is raised here, at the switch point (gevent's throw).
        Exception? pending = owner.TakePendingThrow();
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

    private void Reset()
    {
        _state = Idle;
        _version++;
        _error = null;
        _continuation = null;
        _continuationState = null;
        _executionContext = null;
        _cancellationToken = default;
        SiteData = 0;
        YieldOnAwait = false;
    }

    private void ValidateToken(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException("This GreenProc wait has already been consumed; a ValueTask can be awaited only once.");
        }
    }

    private sealed class CancelTicket(Waiter waiter, short version)
    {
        public readonly Waiter Waiter = waiter;
        public readonly short Version = version;
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
