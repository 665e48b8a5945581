using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A <see cref="Stream"/> over a non-blocking fd (a pipe, a socket) whose async reads and writes wait
/// cooperatively on the hub (gevent.os's <c>nb_read</c>/<c>nb_write</c>), usable with every .NET stream API.
/// </summary>
/// <remarks>
/// Async operations must run on its hub's thread, from a greenlet: the stream belongs to the hub it was created on (or,
/// created outside any hub, to the first hub that reads or writes it asynchronously), and an async read or write from
/// any other thread throws <see cref="InvalidOperationException"/>. The synchronous <see cref="Read(Span{byte})"/> and
/// <see cref="Write(ReadOnlySpan{byte})"/> block the whole thread until the fd is ready; prefer the async forms on
/// a hub. A read returns 0 at end of stream; a write to a pipe whose reader is gone raises
/// <see cref="NativeIOException"/> (EPIPE), never SIGPIPE. Disposing the stream (when it owns the handle) wakes a
/// greenlet parked in a read or write with <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class GreenStream : Stream
{
    private readonly SafeFdHandle _handle;
    private readonly bool _ownsHandle;
    private readonly bool _canRead;
    private readonly bool _canWrite;

    // The pending read and write, reused (see FdOperation).
    private FdOperation? _readOperation;
    private FdOperation? _writeOperation;

    // The hub its async operations belong to: the one it was created on, else the first that used them.
    private Hub? _hub = Hub.Current;

    /// <summary>Wraps <paramref name="handle"/> and sets it O_NONBLOCK.</summary>
    /// <param name="handle">The fd.</param>
    /// <param name="access">Which directions the stream allows.</param>
    /// <param name="ownsHandle">Whether disposing the stream disposes the handle.</param>
    /// <exception cref="ObjectDisposedException"><paramref name="handle"/> is closed.</exception>
    public GreenStream(SafeFdHandle handle, FileAccess access, bool ownsHandle = true)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        if (access is not (FileAccess.Read or FileAccess.Write or FileAccess.ReadWrite))
        {
            throw new ArgumentOutOfRangeException(nameof(access));
        }

        handle.SetNonBlocking(true);
        _handle = handle;
        _ownsHandle = ownsHandle;
        _canRead = (access & FileAccess.Read) != 0;
        _canWrite = (access & FileAccess.Write) != 0;
    }

    /// <summary>The underlying handle.</summary>
    public SafeFdHandle Handle => _handle;

    /// <inheritdoc />
    public override bool CanRead => _canRead && !_handle.IsClosed;

    /// <inheritdoc />
    public override bool CanWrite => _canWrite && !_handle.IsClosed;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException("A GreenStream is a pipe or socket: it has no length.");

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException("A GreenStream is a pipe or socket: it has no position.");
        set => throw new NotSupportedException("A GreenStream is a pipe or socket: it has no position.");
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReadable();
        Hub.Bind(ref _hub, this); // before the first attempt, which would otherwise succeed off the hub unnoticed
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        int n = TryRead(buffer.Span);
        return n >= 0 ? new ValueTask<int>(n) : (_readOperation ??= new FdOperation(this, isRead: true)).StartRead(buffer, cancellationToken);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        Hub.Bind(ref _hub, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        while (!buffer.IsEmpty)
        {
            int n = TryWrite(buffer.Span);
            if (n < 0)
            {
                return (_writeOperation ??= new FdOperation(this, isRead: false)).StartWrite(buffer, cancellationToken);
            }

            buffer = buffer.Slice(n);
        }

        return default;
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        EnsureReadable();
        while (true)
        {
            int n = TryRead(buffer);
            if (n >= 0)
            {
                return n;
            }

            BlockUntilReady(Mono.Unix.Native.PollEvents.POLLIN);
        }
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        while (!buffer.IsEmpty)
        {
            int n = TryWrite(buffer);
            if (n >= 0)
            {
                buffer = buffer.Slice(n);
                continue;
            }

            BlockUntilReady(Mono.Unix.Native.PollEvents.POLLOUT);
        }
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Flush()
    {
        // Writes go straight to the fd: nothing is buffered here.
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A GreenStream cannot seek.");

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException("A GreenStream has no length.");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsHandle)
        {
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>One non-blocking read: the byte count (0 at EOF), or -1 for "not ready".</summary>
    internal int TryRead(Span<byte> buffer) => Interop.ReadNonBlocking(_handle, buffer);

    /// <summary>One non-blocking write: the byte count, or -1 for "not ready".</summary>
    internal unsafe int TryWrite(ReadOnlySpan<byte> buffer)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int fd = (int)_handle.DangerousGetHandle();
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = Interop.Write(fd, p, buffer.Length);
                    if (n >= 0)
                    {
                        return (int)n;
                    }

                    int errno = Interop.LastErrno;
                    if (errno == Interop.EAGAIN)
                    {
                        return -1;
                    }

                    if (errno != Interop.EINTR)
                    {
                        throw Interop.ErrnoException(errno, $"write(fd {fd})");
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private void BlockUntilReady(Mono.Unix.Native.PollEvents events)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var fds = new[] { new Mono.Unix.Native.Pollfd { fd = (int)_handle.DangerousGetHandle(), events = events } };
            Interop.Poll(fds, 1, -1, out _);
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private void EnsureReadable()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_canRead)
        {
            throw new NotSupportedException("This GreenStream was opened for writing only.");
        }
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_canWrite)
        {
            throw new NotSupportedException("This GreenStream was opened for reading only.");
        }
    }
}
