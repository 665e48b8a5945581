using System;
using System.Collections.Concurrent;
using System.Diagnostics;
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

    // The switch counter, the callback running now and when it started (the blocked-hub monitor reads them).
    private long _switchCount;
    private object? _runningCallback;
    private long _callbackStarted;
    private BlockingMonitor? _monitor;

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

    /// <summary>The greenlet running now, or null in a hub callback.</summary>
    internal Greenlet? CurrentGreenlet { get; private set; }

    internal bool IsHubThread => Environment.CurrentManagedThreadId == _threadId;

    /// <summary>Whether the main greenlet has finished: greenlets no longer run (read from any thread).</summary>
    internal bool IsEnded => Volatile.Read(ref _ended);

    internal TimerHeap Timers { get; } = new();

    internal TimerHeap Timeouts { get; } = new();

    /// <summary>The live and parked greenlets and the outside wake-ups, for deadlock detection: their only writer.</summary>
    internal HubLiveness Liveness { get; } = new();

    /// <summary>Pending wake-ups that can come from outside the hub (cancellation tokens, blocking calls).</summary>
    internal int ExternalWakeSources => Liveness.ExternalWakeSources;

    internal int LiveGreenlets => Liveness.Live;

    internal int ParkedGreenlets => Liveness.Parked;

    internal int ReadyCount => _ready.Count;

    /// <summary>The run queue's length read from another thread (the metrics' collector): may be one switch old.</summary>
    internal int ReadyCountAnyThread => _ready.CountAnyThread;

    /// <summary>This hub's number in this process, from 1 (the <c>greenproc.hub</c> tag of its metrics).</summary>
    internal int Number { get; private set; }

    internal static void ValidateTimeout(TimeSpan? timeout, string paramName) => Deadline.Validate(timeout, paramName);

    internal static long DueAfter(TimeSpan span) => Deadline.AfterNow(span);
}
