using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// The event loop of one thread: a FIFO run queue of ready greenlets, two timer heaps, a reactor for fds, and an
/// inbox other threads post to. Created by <see cref="Green.Run(Func{System.Threading.Tasks.Task}, HubOptions?)"/>
/// for the calling thread; everything that runs on it runs on that one thread, in a deterministic order.
/// </summary>
/// <remarks>
/// A turn of the loop: (1) ready callbacks, FIFO, for at most <see cref="HubOptions.MaxReadyPass"/>; (2) due
/// timers (sleeps, delayed starts); (3) the reactor, without blocking if anything is ready; (4) due timeouts, so a
/// completion ready in the same turn beats its timeout. Only <see cref="Post(Action)"/> may be called from other threads.
/// </remarks>
[DebuggerDisplay("Hub on thread {_threadId}, ready = {ReadyCount}, live = {LiveGreenlets}, parked = {ParkedGreenlets}")]
public sealed partial class Hub : IFdCloseObserver
{
    [ThreadStatic]
    private static Hub? t_current;

    private readonly int _threadId;
    private readonly HubOptions _options;
    private readonly RunQueue _ready = new();
    private readonly ConcurrentQueue<WorkItem> _inbox = new();
    private readonly IReactor _reactor;
    private readonly GreenletSynchronizationContext _hubContext;
    private readonly long _maxPassTicks;

    // 1 while the loop is (about to be) blocked in the reactor: a poster that flips it to 0 must wake the reactor.
    private int _blocked;

    // Pooled waiters (LIFO, so a hot waiter stays in cache).
    private Waiter[] _waiterPool = new Waiter[64];
    private int _waiterPoolCount;

    // The switch counter, the callback running now and when it started (the blocked-hub monitor reads them).
    private long _switchCount;
    private object? _runningCallback;
    private long _callbackStarted;
    private BlockingMonitor? _monitor;

    // Head of the intrusive list of greenlets that have started and not finished.
    private Greenlet? _liveHead;
    private Greenlet? _main;
    private bool _ended; // main has finished: nothing runs on this hub any more (only the exit flush)
    private bool _disposed;

    private Hub(HubOptions options)
    {
        _options = options;
        _threadId = Environment.CurrentManagedThreadId;
        _hubContext = new GreenletSynchronizationContext(this);
        _maxPassTicks = Deadline.ToStopwatchTicks(options.MaxReadyPass);
        ErrorHandler = options.ErrorHandler ?? DefaultErrorHandler;
        Reactor = ResolveReactor(options.Reactor);
        _reactor = CreateReactor(Reactor);
        if (options.BlockingMonitor is { } monitor)
        {
            _monitor = new BlockingMonitor(this, monitor);
        }
    }

    /// <summary>The hub of the calling thread, or null outside <see cref="Green.Run(Func{System.Threading.Tasks.Task}, HubOptions?)"/>.</summary>
    public static Hub? Current => t_current;

    /// <summary>
    /// Receives errors that escape a greenlet (with the greenlet) or a hub callback such as a link (with null).
    /// Each error is reported once. The default writes the greenlet's name and the exception to stderr. A greenlet
    /// ended by an <see cref="OperationCanceledException"/> is canceled, not failed, and is not reported.
    /// </summary>
    public Action<Greenlet?, Exception> ErrorHandler { get; set; }

    /// <summary>The reactor this hub uses (never <see cref="ReactorKind.Default"/>).</summary>
    public ReactorKind Reactor { get; }

    /// <summary>How many callbacks the hub has run: it advances at every switch (a cheap liveness probe).</summary>
    public long SwitchCount => _switchCount;

    /// <summary>
    /// Raised by the blocked-hub monitor (<see cref="HubOptions.BlockingMonitor"/>), on the monitor's own thread, when
    /// one callback holds the hub longer than the threshold. Without a handler, one line goes to stderr.
    /// </summary>
    public event EventHandler<HubBlockedEventArgs>? Blocked;

    internal long VolatileSwitchCount => Volatile.Read(ref _switchCount);

    /// <summary>Whether a callback is running now (set around each one; read by the monitor).</summary>
    internal bool IsRunningCallback => Volatile.Read(ref _runningCallback) is not null;

    /// <summary>The callback running now, for the monitor's report.</summary>
    internal object? RunningCallback => Volatile.Read(ref _runningCallback);

    internal long CallbackStartedTicks => Volatile.Read(ref _callbackStarted);

    internal void RaiseBlocked(HubBlockedEventArgs report)
    {
        EventHandler<HubBlockedEventArgs>? handler = Blocked;
        try
        {
            if (handler is null)
            {
                Console.Error.WriteLine(report.ToString());
            }
            else
            {
                handler(this, report);
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"GreenProc: a Hub.Blocked handler threw: {e}");
        }
    }

    /// <summary>How many times the loop has asked the reactor for events.</summary>
    internal long ReactorWaits { get; private set; }

    /// <summary>The greenlet running now, or null in a hub callback.</summary>
    internal Greenlet? CurrentGreenlet { get; private set; }

    internal bool IsHubThread => Environment.CurrentManagedThreadId == _threadId;

    /// <summary>Whether the main greenlet has finished: greenlets no longer run (read from any thread).</summary>
    internal bool IsEnded => Volatile.Read(ref _ended);

    internal TimerHeap Timers { get; } = new();

    internal TimerHeap Timeouts { get; } = new();

    /// <summary>Pending wake-ups that can come from outside the hub (cancellation tokens, blocking calls).</summary>
    internal int ExternalWakeSources { get; set; }

    internal int LiveGreenlets { get; private set; }

    internal int ParkedGreenlets { get; set; }

    internal int ReadyCount => _ready.Count;

    /// <summary>Whether the loop is (about to be) blocked in the reactor waiting for a timer, an fd or a post.</summary>
    internal bool IsBlockedInReactor => Volatile.Read(ref _blocked) == 1;

    /// <summary>
    /// Queues <paramref name="callback"/> to run on the hub thread as a hub callback. Safe from any thread: from
    /// another thread it wakes a blocked hub.
    /// </summary>
    /// <remarks>
    /// The hub cannot foresee a post from another thread: if main waits on something only such a post will end,
    /// deadlock detection reports it first. Wait with a <see cref="CancellationToken"/> the other thread cancels,
    /// use <see cref="Green.RunBlocking{T}"/>, or set <see cref="HubOptions.DetectDeadlocks"/> to false.
    /// </remarks>
    /// <param name="callback">The work; its exception goes to <see cref="ErrorHandler"/>.</param>
    public void Post(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        PostWork(new WorkItem(callback, null, null));
    }

    internal void Post(Action<object?> callback, object? state) => PostWork(new WorkItem(callback, state, null));

    internal static Hub RequireCurrent() => t_current ?? throw NoHubOnThisThread();

    internal Greenlet RequireGreenlet(string operation)
        => CurrentGreenlet ?? throw new InvalidOperationException(
            $"{operation} must be called from a greenlet; hub callbacks (links, Post) cannot wait. Spawn a greenlet to wait.");

    internal static void ValidateTimeout(TimeSpan? timeout, string paramName) => Deadline.Validate(timeout, paramName);

    internal static long DueAfter(TimeSpan span) => Deadline.AfterNow(span);

    /// <summary>Queues work from the hub thread (FIFO).</summary>
    internal void Enqueue(in WorkItem item) => _ready.Enqueue(item);

    /// <summary>Queues work from any thread.</summary>
    internal void PostWork(in WorkItem item)
    {
        if (IsHubThread)
        {
            _ready.Enqueue(item);
            return;
        }

        _inbox.Enqueue(item);

        // Only the poster that sees the loop blocked pays for the wake-up write (one per blocking, not per post).
        if (Interlocked.CompareExchange(ref _blocked, 0, 1) == 1)
        {
            _reactor.Wake();
        }
    }

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
    /// Checks that a primitive is used on its hub's thread and returns that hub. Every operation of every primitive,
    /// waiting or not, goes through here. A primitive belongs to the hub it was created on (its constructor reads
    /// <see cref="Current"/>), or, when created outside any hub, to the first hub that uses it. A call from any other
    /// thread throws: primitives are single-hub objects that no lock protects, and the usual way greenlet code reaches
    /// another thread is a ConfigureAwait(false), which would otherwise go unnoticed until state is corrupt.
    /// </summary>
    internal static Hub Bind(ref Hub? bound, object primitive)
    {
        // The per-operation path: the bound hub, running on this very thread, is the current hub.
        Hub? b = bound;
        return b is not null && b.IsHubThread && !b._disposed ? b : BindSlow(ref bound, primitive);
    }

    private static Hub BindSlow(ref Hub? bound, object primitive)
    {
        Hub? current = t_current;
        if (current is null)
        {
            // No hub here: a thread-pool thread, a thread of the user's, or this hub's thread after Green.Run returned.
            throw bound is not null && !bound.IsHubThread ? WrongThread(bound, Describe(primitive)) : NoHubOnThisThread();
        }

        if (bound is null)
        {
            bound = current; // created outside any hub: it belongs to the first hub that uses it
        }
        else if (!ReferenceEquals(bound, current))
        {
            throw WrongThread(bound, Describe(primitive));
        }

        return current;
    }

    /// <summary>The error for a call on a thread that runs no hub; names ConfigureAwait(false) when that is the likely cause.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static InvalidOperationException NoHubOnThisThread()
        => new(Thread.CurrentThread.IsThreadPoolThread
            ? "No GreenProc hub runs on this thread: it is a thread-pool thread. Greenlet code usually lands on one after an await "
                + "with ConfigureAwait(false), whose continuation does not go back to the hub. Remove the ConfigureAwait(false): "
                + "greenlet code must not use it. Work meant for another thread reaches a hub through hub.Post(...), and blocking "
                + "work goes through Green.RunBlocking."
            : "No GreenProc hub runs on this thread. Call this inside Green.Run(...), from the hub's own thread; other threads "
                + "reach a hub through hub.Post(...).");

    /// <summary>The error for a hub-bound object used from another thread; names ConfigureAwait(false) on a thread-pool thread.</summary>
    /// <param name="owner">The hub the object belongs to.</param>
    /// <param name="what">The object, as a sentence starts with it ("This GreenEvent", "Greenlet 'worker'").</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static InvalidOperationException WrongThread(Hub owner, string what)
    {
        string hub = owner._disposed
            ? $"the GreenProc hub that ran on thread {owner._threadId} (it has ended)"
            : $"the GreenProc hub of thread {owner._threadId}";
        string caller = Thread.CurrentThread.IsThreadPoolThread
            ? $"thread-pool thread {Environment.CurrentManagedThreadId}. Greenlet code usually lands on one after an await with "
                + "ConfigureAwait(false), whose continuation does not go back to the hub: remove the ConfigureAwait(false) "
                + "(greenlet code must not use it)"
            : $"thread {Environment.CurrentManagedThreadId}";
        return new InvalidOperationException(
            $"{what} belongs to {hub} and was used from {caller}. Use it only from that hub's greenlets; another thread reaches "
                + "the hub through hub.Post(...).");
    }

    private static string Describe(object primitive)
    {
        string name = primitive.GetType().Name;
        int arity = name.IndexOf('`', StringComparison.Ordinal);
        return "This " + (arity < 0 ? name : name[..arity]);
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

    internal void AddLive(Greenlet g)
    {
        LiveGreenlets++;
        g.PreviousLive = null;
        g.NextLive = _liveHead;
        if (_liveHead is not null)
        {
            _liveHead.PreviousLive = g;
        }

        _liveHead = g;
    }

    internal void RemoveLive(Greenlet g)
    {
        LiveGreenlets--;
        if (g.PreviousLive is null)
        {
            _liveHead = g.NextLive;
        }
        else
        {
            g.PreviousLive.NextLive = g.NextLive;
        }

        if (g.NextLive is not null)
        {
            g.NextLive.PreviousLive = g.PreviousLive;
        }

        g.PreviousLive = g.NextLive = null;
    }

    internal void ReportError(Greenlet? greenlet, Exception error)
    {
        try
        {
            ErrorHandler(greenlet, error);
        }
        catch (Exception handlerError)
        {
            // A failing handler must not take the loop down; fall back to the default report.
            DefaultErrorHandler(greenlet, new AggregateException("Hub.ErrorHandler threw while reporting an error.", error, handlerError));
        }
    }

    private static void DefaultErrorHandler(Greenlet? greenlet, Exception error)
    {
        string who = greenlet is null ? "A hub callback" : $"Greenlet '{greenlet.Name}' (#{greenlet.Id})";
        Console.Error.WriteLine($"{who} failed: {error}");
    }

    private IReactor CreateReactor(ReactorKind kind)
    {
        if (kind == ReactorKind.Epoll && OperatingSystem.IsLinux())
        {
            return new EpollReactor(this);
        }

        if (!OperatingSystem.IsWindows())
        {
            return new PollReactor(this);
        }

        throw new PlatformNotSupportedException("GreenProc's hub runs on Linux and other Unix systems; the Windows reactor is not built yet.");
    }

    private static ReactorKind ResolveReactor(ReactorKind kind)
    {
        if (kind == ReactorKind.Default)
        {
            string? env = Environment.GetEnvironmentVariable("GREENPROC_REACTOR");
            if (string.Equals(env, "poll", StringComparison.OrdinalIgnoreCase))
            {
                kind = ReactorKind.Poll;
            }
            else if (string.Equals(env, "epoll", StringComparison.OrdinalIgnoreCase) || OperatingSystem.IsLinux())
            {
                kind = ReactorKind.Epoll;
            }
            else
            {
                kind = ReactorKind.Poll;
            }
        }

        if (kind == ReactorKind.Epoll && !OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The epoll reactor exists only on Linux; use ReactorKind.Poll.");
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("GreenProc's hub runs on Linux and other Unix systems; the Windows reactor is not built yet.");
        }

        return kind;
    }
}
