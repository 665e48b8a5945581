using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Internal;

/// <summary>
/// The readiness implementation of <see cref="IOOperation"/> (epoll on Linux, poll on other Unix): try the
/// non-blocking call at once; while it says "not ready", park on the hub until the descriptor is ready, then try again.
/// A call that gets through at once completes synchronously and allocates nothing.
/// </summary>
internal sealed class ReadinessOperation : IOOperation
{
    private readonly Action _onReady;

    private Memory<byte> _readBuffer;
    private ReadOnlyMemory<byte> _writeBuffer;
    private CancellationToken _cancellationToken;
    private TimeSpan? _timeout; // a read's per-call timeout, for each of its waits
    private ValueTask _wait;

    public ReadinessOperation(SafeFdHandle handle, bool isRead, string what)
        : base(handle, isRead, what)
    {
        _onReady = OnReady;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        int n = FdIO.TryRead(Handle, buffer.Span);
        if (n != FdIO.NotReady)
        {
            NoteRead(n, buffer.Length);
            return new ValueTask<int>(n);
        }

        Begin();
        _readBuffer = buffer;
        _timeout = timeout;
        _cancellationToken = cancellationToken;
        WaitForFd();
        return PendingRead;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int n = FdIO.TryWrite(Handle, buffer.Span);
            NoteWrite(n);
            if (n == FdIO.NotReady)
            {
                Begin();
                _writeBuffer = buffer;
                _cancellationToken = cancellationToken;
                WaitForFd();
                return PendingVoid;
            }

            buffer = buffer.Slice(n);
        }

        return default;
    }

    public override ValueTask WaitReadableAsync(TimeSpan? timeout, CancellationToken cancellationToken)
        => Green.WaitReadAsync(Handle, timeout, cancellationToken);

    protected override void Reset()
    {
        _readBuffer = default;
        _writeBuffer = default;
        _cancellationToken = default;
        _timeout = null;
    }

    private void NoteRead(int n, int bufferLength)
    {
        if (Growth is { } growth)
        {
            growth.OnRead(n, bufferLength);
            if (!growth.IsWatching)
            {
                Growth = null;
            }
        }
    }

    private void NoteWrite(int n)
    {
        if (Growth is { } growth)
        {
            growth.OnWrite(n == FdIO.NotReady ? 0 : n, full: n == FdIO.NotReady);
            if (!growth.IsWatching)
            {
                Growth = null;
            }
        }
    }

    private void WaitForFd()
    {
        try
        {
            _wait = IsRead
                ? Green.WaitReadAsync(Handle, _timeout, _cancellationToken)
                : Green.WaitWriteAsync(Handle, null, _cancellationToken);
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
            if (IsRead)
            {
                int n = FdIO.TryRead(Handle, _readBuffer.Span);
                if (n == FdIO.NotReady)
                {
                    WaitForFd(); // woken but nothing there (another reader, a spurious wake-up)
                    return;
                }

                NoteRead(n, _readBuffer.Length);
                Complete(n, null);
            }
            else
            {
                while (!_writeBuffer.IsEmpty)
                {
                    int n = FdIO.TryWrite(Handle, _writeBuffer.Span);
                    NoteWrite(n);
                    if (n == FdIO.NotReady)
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
}
