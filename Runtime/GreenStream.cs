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

    // The read and write operations of the I/O core, created at first use and reused (see IOOperation).
    private IOOperation? _readOperation;
    private IOOperation? _writeOperation;

    // Set for the pipes Popen makes with no fixed PipeSize: grows the pipe once it is busy (see PipeGrowth).
    private PipeGrowth? _growth;

    // The hub its async operations belong to: the one it was created on, else the first that used them.
    private Hub? _hub = Hub.Current;

    /// <summary>Wraps <paramref name="handle"/> and sets it O_NONBLOCK.</summary>
    /// <remarks>On Windows the handle must have been opened for overlapped I/O (as <see cref="SafeFdHandle.CreatePipe"/>
    /// makes pipes); its reads and writes are overlapped calls the hub's completion port reports the end of.</remarks>
    /// <param name="handle">The fd.</param>
    /// <param name="access">Which directions the stream allows.</param>
    /// <param name="ownsHandle">Whether disposing the stream disposes the handle.</param>
    /// <exception cref="ObjectDisposedException"><paramref name="handle"/> is closed.</exception>
    /// <exception cref="ArgumentException">On Windows: <paramref name="handle"/> was opened for synchronous I/O.</exception>
    public GreenStream(SafeFdHandle handle, FileAccess access, bool ownsHandle = true)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        if (access is not (FileAccess.Read or FileAccess.Write or FileAccess.ReadWrite))
        {
            throw new ArgumentOutOfRangeException(nameof(access));
        }

        if (OperatingSystem.IsWindows())
        {
            RequireOverlapped(handle);
        }
        else
        {
            handle.SetNonBlocking(true);
        }

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

        return (_readOperation ??= CreateOperation(isRead: true)).ReadAsync(buffer, null, cancellationToken);
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

        return (_writeOperation ??= CreateOperation(isRead: false)).WriteAsync(buffer, cancellationToken);
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        EnsureReadable();
        return FdIO.Read(_handle, buffer);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        FdIO.WriteAll(_handle, buffer);
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

    /// <summary>
    /// Lets the pipe under this stream grow from the kernel's default size once it carries a lot (see
    /// <see cref="PipeGrowth"/>); call before the first read or write. Popen does this for the pipes it makes when no
    /// fixed size is asked for.
    /// </summary>
    internal void GrowWhenBusy()
    {
        _growth = PipeGrowth.TryCreate(_handle);
    }

    /// <summary>Whether the pipe under this stream has grown (for tests).</summary>
    internal bool PipeHasGrown => _growth?.HasGrown == true;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _growth?.Release();
        }

        if (disposing && _ownsHandle)
        {
            _handle.Dispose();
        }

        if (disposing)
        {
            _readOperation?.Dispose();
            _writeOperation?.Dispose();
        }

        base.Dispose(disposing);
    }

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static void RequireOverlapped(SafeFdHandle handle)
    {
        if (Interop.IsOverlapped(handle) == false)
        {
            throw new ArgumentException(
                "This handle was opened for synchronous I/O: a hub can read and write only handles opened for overlapped I/O (FILE_FLAG_OVERLAPPED), as SafeFdHandle.CreatePipe makes them. Use the handle's synchronous calls off the hub, or Green.RunBlocking.",
                nameof(handle));
        }
    }

    private IOOperation CreateOperation(bool isRead)
    {
        IOOperation operation = IOOperation.Create(_handle, isRead, "this GreenStream");
        operation.Growth = _growth;
        return operation;
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
