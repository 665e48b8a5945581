using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace GreenProc.Internal;

/// <summary>
/// The I/O core's platform seam: one pending read or write on one handle, reused, which completes its caller's
/// <see cref="ValueTask"/> on the handle's hub. Each platform gives one implementation:
/// <list type="bullet">
/// <item><description>readiness (epoll, poll): try the call, and while it says "not ready" park on the hub until the
/// descriptor is ready, then try again (<see cref="ReadinessOperation"/>, Unix);</description></item>
/// <item><description>completion (Windows): start an overlapped call and let the hub's completion port report its end
/// (<see cref="CompletionOperation"/>).</description></item>
/// </list>
/// Callers (<see cref="GreenStream"/>, the gipc framing) hold one operation per handle and direction and never branch
/// on the platform; <see cref="Create"/> picks the implementation.
/// </summary>
/// <remarks>
/// <para>This base holds what both share: the <see cref="IValueTaskSource"/> bookkeeping. A waiting operation allocates
/// nothing (an async method would allocate a box and a SynchronizationContext post per wait).</para>
/// <para>Runs on the hub thread only. The caller's continuation runs inline when the operation ends: that happens in
/// the run-queue turn of the waiting greenlet itself (woken by its wait), never in another greenlet's turn.</para>
/// <para>States: idle (<c>_busy</c> false) → pending (<c>_busy</c>, not <c>_completed</c>) → completed (both) → idle
/// again when the caller takes the result (<c>GetResult</c> bumps <c>_version</c>, so a stale ValueTask is refused).
/// <see cref="AssertInvariants"/> checks them in debug builds.</para>
/// </remarks>
internal abstract class IOOperation : IValueTaskSource<int>, IValueTaskSource, IDisposable
{
    private readonly string _what;

    private short _version;
    private bool _busy;
    private bool _completed;
    private int _result;
    private Exception? _error;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private ExecutionContext? _executionContext;
    private bool _contextFree; // the awaiting code used ConfigureAwait(false): see ContextFreeContinuation

    /// <param name="handle">The descriptor.</param>
    /// <param name="isRead">The direction this operation serves.</param>
    /// <param name="what">The object the caller sees, for messages ("this GreenStream").</param>
    protected IOOperation(SafeFdHandle handle, bool isRead, string what)
    {
        Handle = handle;
        IsRead = isRead;
        _what = what;
    }

    /// <summary>The descriptor.</summary>
    protected SafeFdHandle Handle { get; }

    /// <summary>The direction.</summary>
    protected bool IsRead { get; }

    /// <summary>A pipe's growth watcher (<see cref="PipeGrowth"/>) that hears of the traffic where the platform
    /// resizes pipes; null for any other handle, and once the watcher is done.</summary>
    public PipeGrowth? Growth { get; set; }

    /// <summary>The operation this platform uses for <paramref name="handle"/> in one direction.</summary>
    public static IOOperation Create(SafeFdHandle handle, bool isRead, string what)
        => OperatingSystem.IsWindows()
            ? new CompletionOperation(handle, isRead, what)
            : new ReadinessOperation(handle, isRead, what);

    /// <summary>The owner is done with the operation (a call still in flight keeps what it needs until it ends).</summary>
    public virtual void Dispose()
    {
    }

    /// <summary>
    /// Waits until a read would find data or end of stream, reading nothing: the readiness half of a reader that reads
    /// through <see cref="FdIO.TryRead(SafeFdHandle, Span{byte}, Span{byte})"/> itself (the gipc framing). Readiness
    /// wait on Unix; on Windows a zero-byte read the completion port reports.
    /// </summary>
    /// <param name="timeout">The per-call timeout (<see cref="GreenTimeoutException"/>); null for none.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public abstract ValueTask WaitReadableAsync(TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>Reads into <paramref name="buffer"/>: the bytes read, 0 at end of stream.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="timeout">The per-call timeout of the wait (<see cref="GreenTimeoutException"/>); null for none.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public abstract ValueTask<int> ReadAsync(Memory<byte> buffer, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="buffer"/>.</summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>The pending result as a <see cref="ValueTask{T}"/> (after <see cref="Begin"/>).</summary>
    protected ValueTask<int> PendingRead => new(this, _version);

    /// <summary>The pending result as a plain <see cref="ValueTask"/> (a write, a readiness wait; after <see cref="Begin"/>).</summary>
    protected ValueTask PendingVoid => new(this, _version);

    /// <summary>Marks the operation pending; one reader and one writer at a time.</summary>
    protected void Begin()
    {
        ThrowIfBusy();
        _busy = true;
        _completed = false;
    }

    /// <summary>Refuses a second caller while one is pending (before an implementation starts a call of its own).</summary>
    protected void ThrowIfBusy()
    {
        AssertInvariants();
        if (_busy)
        {
            throw new ConcurrentObjectUseException(
                $"Another greenlet is already {(IsRead ? "reading from" : "writing to")} {_what}; it serves one reader and one writer at a time.");
        }
    }

    /// <summary>Ends the pending operation and runs the caller's continuation, if it is already waiting.</summary>
    protected void Complete(int result, Exception? error)
    {
        AssertInvariants();
        _result = result;
        _error = error;
        _completed = true;
        Action<object?>? continuation = _continuation;
        if (continuation is null)
        {
            return; // completed before anyone awaited; OnCompleted or GetStatus will see it
        }

        if (_executionContext is { } ec)
        {
            ExecutionContext.Run(ec, static s => ((IOOperation)s!).InvokeContinuation(), this);
        }
        else
        {
            InvokeContinuation();
        }
    }

    /// <summary>Lets the implementation drop its per-call state when the caller has taken the result.</summary>
    protected abstract void Reset();

    private void InvokeContinuation()
    {
        if (_contextFree)
        {
            ContextFreeContinuation.Invoke(_continuation!, _continuationState);
        }
        else
        {
            _continuation!(_continuationState);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token)
    {
        Validate(token);
        return !_completed ? ValueTaskSourceStatus.Pending
            : _error is null ? ValueTaskSourceStatus.Succeeded
            : _error is OperationCanceledException ? ValueTaskSourceStatus.Canceled
            : ValueTaskSourceStatus.Faulted;
    }

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        Validate(token);
        _continuation = continuation;
        _continuationState = state;
        _contextFree = (flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) == 0;
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            _executionContext = ExecutionContext.Capture();
        }

        if (_completed)
        {
            InvokeContinuation();
        }
    }

    public int GetResult(short token)
    {
        Validate(token);
        if (!_completed)
        {
            throw new InvalidOperationException($"The operation on {_what} has not completed; await it.");
        }

        Exception? error = _error;
        int result = _result;
        _version++;
        _busy = false;
        _completed = false;
        _error = null;
        _continuation = null;
        _continuationState = null;
        _executionContext = null;
        _contextFree = false;
        Reset();
        AssertInvariants();
        if (error is not null)
        {
            throw error;
        }

        return result;
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    private void Validate(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException($"This operation on {_what} was already consumed; a ValueTask can be awaited only once.");
        }
    }

    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertInvariants()
    {
        System.Diagnostics.Debug.Assert(!_completed || _busy, "a completed operation is still busy until its result is taken");
        System.Diagnostics.Debug.Assert(_busy || (_continuation is null && _error is null), "an idle operation holds no continuation or error");
    }
}
