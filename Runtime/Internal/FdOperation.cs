using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace GreenProc.Internal;

/// <summary>
/// The pending read or write of a <see cref="GreenStream"/>: retries the non-blocking call each time the fd is
/// ready and completes the caller's <see cref="ValueTask"/> when it gets through. One per stream and direction,
/// reused, so a read or write that has to wait allocates nothing (an async method would allocate a box and a
/// SynchronizationContext post per wait).
/// </summary>
/// <remarks>
/// Runs on the hub thread only. The caller's continuation runs inline when the operation ends: that happens in
/// the run-queue turn of the waiting greenlet itself (woken by its fd wait), never in another greenlet's turn.
/// </remarks>
internal sealed class FdOperation : IValueTaskSource<int>, IValueTaskSource
{
    private readonly GreenStream _stream;
    private readonly bool _isRead;
    private readonly Action _onReady;

    private short _version;
    private bool _busy;
    private bool _completed;
    private Memory<byte> _readBuffer;
    private ReadOnlyMemory<byte> _writeBuffer;
    private CancellationToken _cancellationToken;
    private ValueTask _wait;
    private int _result;
    private Exception? _error;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private ExecutionContext? _executionContext;
    private bool _contextFree; // the awaiting code used ConfigureAwait(false): see ContextFreeContinuation

    public FdOperation(GreenStream stream, bool isRead)
    {
        _stream = stream;
        _isRead = isRead;
        _onReady = OnReady;
    }

    /// <summary>Starts waiting to read into <paramref name="buffer"/> (the first attempt said EAGAIN).</summary>
    public ValueTask<int> StartRead(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        Begin(cancellationToken);
        _readBuffer = buffer;
        WaitForFd();
        return new ValueTask<int>(this, _version);
    }

    /// <summary>Starts waiting to write the rest of <paramref name="buffer"/> (the first attempt was partial or EAGAIN).</summary>
    public ValueTask StartWrite(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        Begin(cancellationToken);
        _writeBuffer = buffer;
        WaitForFd();
        return new ValueTask(this, _version);
    }

    private void Begin(CancellationToken cancellationToken)
    {
        if (_busy)
        {
            throw new ConcurrentObjectUseException(
                $"Another greenlet is already {(_isRead ? "reading from" : "writing to")} this GreenStream; one stream serves one reader and one writer at a time.");
        }

        _busy = true;
        _completed = false;
        _cancellationToken = cancellationToken;
    }

    private void WaitForFd()
    {
        try
        {
            _wait = _isRead
                ? Green.WaitReadAsync(_stream.Handle, null, _cancellationToken)
                : Green.WaitWriteAsync(_stream.Handle, null, _cancellationToken);
        }
        catch (Exception e)
        {
            Complete(0, e);
            return;
        }

        ValueTaskAwaiter awaiter = _wait.GetAwaiter();
        if (awaiter.IsCompleted)
        {
            OnReady();
        }
        else
        {
            awaiter.UnsafeOnCompleted(_onReady);
        }
    }

    private void OnReady()
    {
        try
        {
            ValueTask wait = _wait;
            _wait = default;
            wait.GetAwaiter().GetResult(); // raises a kill, a timeout, a cancellation or a close
            if (_isRead)
            {
                int n = _stream.TryRead(_readBuffer.Span);
                if (n < 0)
                {
                    WaitForFd(); // woken but nothing there (another reader, a spurious wake-up)
                    return;
                }

                Complete(n, null);
            }
            else
            {
                while (!_writeBuffer.IsEmpty)
                {
                    int n = _stream.TryWrite(_writeBuffer.Span);
                    if (n < 0)
                    {
                        WaitForFd();
                        return;
                    }

                    _writeBuffer = _writeBuffer.Slice(n);
                }

                Complete(0, null);
            }
        }
        catch (Exception e)
        {
            Complete(0, e);
        }
    }

    private void Complete(int result, Exception? error)
    {
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
            ExecutionContext.Run(ec, static s => ((FdOperation)s!).InvokeContinuation(), this);
        }
        else
        {
            InvokeContinuation();
        }
    }

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
            throw new InvalidOperationException("The GreenStream operation has not completed; await it.");
        }

        Exception? error = _error;
        int result = _result;
        _version++;
        _busy = false;
        _error = null;
        _continuation = null;
        _continuationState = null;
        _executionContext = null;
        _contextFree = false;
        _readBuffer = default;
        _writeBuffer = default;
        _cancellationToken = default;
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
            throw new InvalidOperationException("This GreenStream operation was already consumed; a ValueTask can be awaited only once.");
        }
    }
}
