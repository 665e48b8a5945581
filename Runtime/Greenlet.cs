using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A green thread: an async method scheduled cooperatively on its hub (gevent's <c>Greenlet</c>).
/// </summary>
/// <remarks>
/// All members must be used on the hub thread that created the greenlet. An error that escapes the body stays
/// in the greenlet (<see cref="Exception"/>), is reported once through <see cref="Hub.ErrorHandler"/>, and is
/// raised again to whoever calls <see cref="GetAsync"/> or awaits the greenlet. An
/// <see cref="OperationCanceledException"/> that ends the body is a cancellation, not an error (see <see cref="IsCanceled"/>).
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public partial class Greenlet : IWaitSite, IResultSource
{
    private static long s_nextId;
    private static readonly Action<object?> s_run = static s => ((Greenlet)s!).RunBody();
    private static readonly Action<object?> s_bodyDone = static s => ((Greenlet)s!).OnBodyDone();
    private static readonly Action<object?> s_deliverKill = static s => ((KillRequest)s!).Deliver();
    private static readonly Action<object?> s_notifyLinks = static s => ((Greenlet)s!).NotifyLinks();

    // The body until it starts (then dropped, with whatever it captured), and the id once someone asks for it.
    private Delegate? _body;
    private long _id;

    // Rarely used state, kept aside so that a parked greenlet stays small (see Cold).
    private Cold? _cold;

    // Lifecycle and outcome: the exception the body ended with (an error, or the cancellation when _canceled).
    private GreenletState _state;
    private Exception? _exception;
    private bool _canceled;

    // Link targets in the order added: Action<Greenlet>, FilteredLink, or an internal ILinkTarget (join waiters).
    // One link (the common case: a joiner or a pool) is stored as is; more go into a LinkList.
    private object? _links;
    private bool _notifyScheduled;

    // The body's task while it runs asynchronously, and whether a continuation watches it (see AfterTurn).
    private Task? _task;
    private bool _watchingTask;

    /// <summary>Creates a greenlet that will run <paramref name="body"/> once started.</summary>
    /// <param name="body">The async method to run.</param>
    /// <param name="name">A name for reports; defaults to <c>Greenlet-N</c>.</param>
    /// <exception cref="InvalidOperationException">There is no hub on this thread (call inside <see cref="Green.Run(Func{Task}, HubOptions?)"/>).</exception>
    public Greenlet(Func<Task> body, string? name = null)
        : this((Delegate)(body ?? throw new ArgumentNullException(nameof(body))), name)
    {
    }

    private protected Greenlet(Delegate body, string? name)
    {
        Hub = Hub.RequireCurrent();
        _body = body;
        if (name is not null)
        {
            GetCold().Name = name;
        }

        Context = new GreenletSynchronizationContext(this);
    }

    /// <summary>The hub the greenlet runs on.</summary>
    public Hub Hub { get; }

    /// <summary>A process-unique number, given the first time it is read.</summary>
    public long Id => _id != 0 ? _id : (_id = Interlocked.Increment(ref s_nextId));

    /// <summary>The greenlet's name (used in error and deadlock reports); <c>Greenlet-</c><see cref="Id"/> by default.</summary>
    public string Name
    {
        get => GetCold().Name ??= "Greenlet-" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        set => GetCold().Name = value;
    }

    /// <summary>Whether <see cref="Start"/> or <see cref="StartLater"/> was called (it stays true once dead, as in gevent).</summary>
    public bool Started { get; private set; }

    /// <summary>Whether the greenlet has finished (returned, failed or been killed). gevent's <c>ready()</c>/<c>dead</c>.</summary>
    public bool IsReady => _state == GreenletState.Dead;

    /// <summary>Whether the greenlet has started running and not finished yet.</summary>
    public bool IsAlive => _state == GreenletState.Running;

    /// <summary>
    /// Whether it finished without an error or a cancellation (a kill with <see cref="GreenletExit"/> counts as
    /// success; a canceled greenlet did not succeed, as a canceled Task did not).
    /// </summary>
    public bool IsSuccessful => _state == GreenletState.Dead && _exception is null;

    /// <summary>The error the greenlet died with, or null (also when it was canceled: a cancellation is not an error, as a canceled Task has no Exception).</summary>
    public Exception? Exception => _canceled ? null : _exception;

    /// <summary>
    /// Whether it ended through an <see cref="OperationCanceledException"/>, whatever its token: its body's Task was
    /// canceled, as an async method's Task is when that exception leaves it. Nothing is reported to
    /// <see cref="Hub.ErrorHandler"/>; <see cref="JoinAsync"/> returns normally; <see cref="GetAsync"/> and awaiting the
    /// greenlet raise the OperationCanceledException, as awaiting a canceled Task does; <see cref="Link"/> callbacks
    /// run, <see cref="LinkValue"/> and <see cref="LinkException"/> ones do not.
    /// </summary>
    public bool IsCanceled => _canceled;

    /// <summary>Whether it ended through <see cref="GreenletExit"/> (killed, or never started because killed first).</summary>
    public bool Killed { get; private set; }

    internal GreenletSynchronizationContext Context { get; }

    // Waits in flight (an intrusive list; normally zero or one) and whether the greenlet counts as parked.
    internal Waiter? ActiveWaits;

    /// <summary>A kill that could not be raised yet: raised at the greenlet's next switch point.</summary>
    internal Exception? PendingThrow => _cold?.PendingThrow;

    // The hub's list of live greenlets (for deadlock reports); only HubLiveness links and unlinks them.
    internal Greenlet? PreviousLive;
    internal Greenlet? NextLive;

    internal bool IsMain { get; set; }

    /// <summary>Schedules the greenlet to run at a later loop turn (never inline).</summary>
    /// <exception cref="InvalidOperationException">It was already started, or is dead.</exception>
    public void Start()
    {
        EnsureHubThread();
        if (_state != GreenletState.Created)
        {
            throw new InvalidOperationException($"Greenlet '{Name}' was already started.");
        }

        _state = GreenletState.Scheduled;
        Started = true;
        Hub.Enqueue(new WorkItem(s_run, this, this));
    }

    /// <summary>Schedules the greenlet to run once <paramref name="delay"/> has passed (gevent's <c>start_later</c>).</summary>
    /// <param name="delay">The delay; zero runs it at the next timer pass.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">It was already started.</exception>
    public void StartLater(TimeSpan delay)
    {
        EnsureHubThread();
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        if (_state != GreenletState.Created)
        {
            throw new InvalidOperationException($"Greenlet '{Name}' was already started.");
        }

        _state = GreenletState.Scheduled;
        Started = true;
        Cold cold = GetCold();
        cold.StartTimer = new StartTimer(this);
        Hub.Timers.Add(cold.StartTimer, Hub.DueAfter(delay));
    }

    /// <summary>
    /// Waits until the greenlet finishes; never raises the greenlet's own error (gevent's <c>join</c>).
    /// </summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Cancels the wait (not the greenlet).</param>
    /// <returns>True if it finished, false if <paramref name="timeout"/> passed first.</returns>
    /// <exception cref="InvalidOperationException">A greenlet joins itself, or the caller is not a greenlet of this hub.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => JoinCore(timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>
    /// Waits until the greenlet finishes, then raises its error if it failed (gevent's <c>get</c>).
    /// </summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Cancels the wait (not the greenlet).</param>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public ValueTask GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        EnsureHubThread();
        if (IsReady)
        {
            ThrowIfFailed();
            return default;
        }

        Waiter w = Hub.BeginWait(BeginJoin(timeout), this);
        w.ResultSource = this; // the waiter raises our error itself: one hop, no async method in between
        ArmJoin(w, timeout, throwOnTimeout: true, cancellationToken);
        return w.AsValueTask();
    }

    /// <summary>Awaiting a greenlet is <see cref="GetAsync"/>: it returns when the greenlet finishes and raises its error.</summary>
    /// <returns>The awaiter.</returns>
    public ValueTaskAwaiter GetAwaiter() => GetAsync().GetAwaiter();

    /// <inheritdoc />
    public override string ToString() => $"Greenlet '{Name}' ({_state}{(_canceled ? ", canceled" : _exception is null ? "" : ", failed")})";

    internal void EnsureHubThread()
    {
        if (!Hub.IsHubThread)
        {
            throw Hub.WrongThread(Hub, $"Greenlet '{Name}'");
        }
    }

    internal ValueTask<bool> JoinCore(TimeSpan? timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        EnsureHubThread();
        if (IsReady)
        {
            return new ValueTask<bool>(true);
        }

        Waiter w = Hub.BeginWait(BeginJoin(timeout), this);
        ArmJoin(w, timeout, throwOnTimeout, cancellationToken);
        return w.AsValueTaskOfBool();
    }

    /// <summary>Checks a join of this (not yet dead) greenlet may start, and returns the greenlet that waits.</summary>
    private protected Greenlet BeginJoin(TimeSpan? timeout)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        EnsureHubThread();
        Greenlet current = Hub.RequireGreenlet(nameof(JoinAsync));
        if (ReferenceEquals(current, this))
        {
            throw new InvalidOperationException($"Greenlet '{Name}' cannot join itself: it would wait forever.");
        }

        return current;
    }

    /// <summary>Links a begun join waiter and arms its timeout and token.</summary>
    private protected void ArmJoin(Waiter w, TimeSpan? timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        AppendLink(w);
        w.ArmDeadline(timeout, throwOnTimeout);
        w.ArmCancellation(cancellationToken);
    }

    void IResultSource.ThrowIfFailedNow() => ThrowIfFailed();

    /// <summary>What getting the greenlet raises: its error, or the OperationCanceledException that canceled it.</summary>
    internal Exception? ErrorOrCancellation => _exception;

    /// <summary>Raises the stored error or cancellation, if any.</summary>
    private protected void ThrowIfFailed()
    {
        if (_exception is not null)
        {
            ExceptionDispatchInfo.Throw(_exception);
        }
    }

    /// <summary>Runs the body; the generic subclass returns its typed task.</summary>
    private protected virtual Task InvokeBody(Delegate body) => ((Func<Task>)body)();

    /// <summary>Stores the value of a successful body (the generic subclass reads its result).</summary>
    private protected virtual void OnBodySucceeded(Task body)
    {
    }

    private void RunBody()
    {
        if (_state != GreenletState.Scheduled)
        {
            return; // killed before it ran
        }

        _state = GreenletState.Running;
        Hub.Liveness.GreenletStarted(this);
        Delegate body = _body!;
        _body = null; // not needed again: let the closure go while the greenlet lives on
        Task task;
        try
        {
            task = InvokeBody(body) ?? throw new InvalidOperationException($"The body of greenlet '{Name}' returned a null Task.");
        }
        catch (Exception e)
        {
            Finish(e);
            return;
        }

        if (task.IsCompleted)
        {
            Complete(task);
            return;
        }

        _task = task; // AfterTurn, right after this turn, decides how to learn of its end
    }

    /// <summary>
    /// Called by the hub after every turn this greenlet ran. A body almost always ends inside one of its own turns
    /// on the hub, and is seen here at no cost. Only a greenlet that leaves the hub without parking on a GreenProc
    /// wait (a foreign await, a yield) can end elsewhere (a ConfigureAwait(false) continuation on the thread pool):
    /// for it, and only then, a continuation is put on the task. Parked greenlets stay small (no 100-byte
    /// continuation each), and a body's end is seen in the same turn whichever way it happens.
    /// </summary>
    internal void AfterTurn()
    {
        Task task = _task!;
        if (task.IsCompleted)
        {
            _task = null;
            Complete(task);
        }
        else if (ActiveWaits is null && !_watchingTask)
        {
            // Captures this greenlet's context on purpose: a ConfigureAwait(false) continuation of a task that
            // completes on a thread with a SynchronizationContext is sent to the thread pool, while one with the
            // captured context runs inline when the body ends on the hub as this greenlet.
            _watchingTask = true;
            task.GetAwaiter().UnsafeOnCompleted(OnBodyCompletedAnyThread);
        }
    }

    internal bool HasRunningBody => _task is not null;

    private void OnBodyCompletedAnyThread()
    {
        // The body ends inside its last continuation, normally on the hub thread; a body that left the hub with
        // ConfigureAwait(false) ends elsewhere and is brought back.
        if (Hub.IsHubThread)
        {
            OnBodyDone();
        }
        else
        {
            Hub.PostWork(new WorkItem(s_bodyDone, this, this));
        }
    }

    private void OnBodyDone()
    {
        if (_task is { } task)
        {
            _task = null;
            Complete(task);
        }
    }

    private void Complete(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            OnBodySucceeded(task);
            Finish(null);
        }
        else if (task.IsCanceled)
        {
            Exception error;
            try
            {
                task.GetAwaiter().GetResult();
                error = new TaskCanceledException(task);
            }
            catch (Exception e)
            {
                error = e;
            }

            Finish(error);
        }
        else
        {
            AggregateException agg = task.Exception!;
            Finish(agg.InnerExceptions.Count == 1 ? agg.InnerExceptions[0] : agg);
        }
    }

    private void Finish(Exception? error)
    {
        error = TranslateKilledCancellation(error);
        bool wasRunning = _state == GreenletState.Running;
        _state = GreenletState.Dead;
        if (wasRunning)
        {
            Hub.Liveness.GreenletFinished(this, wasParked: ActiveWaits is not null); // waits started and never awaited no longer count
        }

        if (_cold is { } cold)
        {
            cold.PendingThrow = null;
            cold.FiredScope = null;
            cold.InnermostScope = null;
            cold.Locals = null; // GreenLocal values die with the greenlet
        }

        if (error is GreenletExit)
        {
            Killed = true;
            error = null;
        }

        // A cancellation is an outcome, not an error (Task's rule): kept for whoever gets the greenlet, never reported.
        _canceled = error is OperationCanceledException;
        _exception = error;
        if (error is not null && !_canceled && !IsMain)
        {
            Hub.ReportError(this, error);
        }

        ScheduleNotify();
    }

    private Cold GetCold() => _cold ??= new Cold();

    /// <summary>This greenlet's GreenLocal values (made on first use; dropped when it dies).</summary>
    internal System.Collections.Generic.Dictionary<object, object?>? GetLocals(bool create)
        => create && _state != GreenletState.Dead ? GetCold().Locals ??= new() : _cold?.Locals;

    internal void AddActiveWait(Waiter w)
    {
        if (ActiveWaits is null && _state == GreenletState.Running)
        {
            Hub.Liveness.GreenletParked();
        }

        w.PreviousActive = null;
        w.NextActive = ActiveWaits;
        if (ActiveWaits is not null)
        {
            ActiveWaits.PreviousActive = w;
        }

        ActiveWaits = w;
    }

    internal void RemoveActiveWait(Waiter w)
    {
        if (w.PreviousActive is null)
        {
            ActiveWaits = w.NextActive;
        }
        else
        {
            w.PreviousActive.NextActive = w.NextActive;
        }

        if (w.NextActive is not null)
        {
            w.NextActive.PreviousActive = w.PreviousActive;
        }

        w.NextActive = w.PreviousActive = null;
        if (ActiveWaits is null && _state == GreenletState.Running)
        {
            Hub.Liveness.GreenletUnparked();
        }
    }

    void IWaitSite.Abandon(Waiter waiter) => RemoveLink(waiter);

    string IWaitSite.Describe(Waiter waiter) => $"join of greenlet '{Name}'";

    private enum GreenletState : byte
    {
        Created,
        Scheduled,
        Running,
        Dead,
    }

    /// <summary>State most greenlets never need.</summary>
    private sealed class Cold
    {
        public string? Name;
        public StartTimer? StartTimer;
        public Exception? PendingThrow;
        public GreenTimeout? FiredScope;
        public GreenTimeout? InnermostScope;
        public CancellationTokenSource? KillSource; // made when CancellationToken is first read
        public Exception? KilledWith; // the first kill delivered while it ran
        public System.Collections.Generic.Dictionary<object, object?>? Locals;
    }

    private sealed class StartTimer(Greenlet greenlet) : HubTimer
    {
        public override void Fire() => greenlet.Hub.Enqueue(new WorkItem(s_run, greenlet, greenlet));
    }
}
