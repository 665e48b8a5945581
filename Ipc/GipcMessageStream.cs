using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// One message's payload, read from the pipe piece by piece (<see cref="GipcReader{T}.GetStreamAsync"/>): a large
/// message passes through a buffer of the caller's size instead of being held whole. Read-only, forward-only, for
/// greenlets on the reader's hub; <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/> parks only the
/// calling greenlet and returns 0 at the end of the message (not of the pipe).
/// </summary>
/// <remarks>
/// The handle serves nothing else while the stream is open: read it to its end or dispose it (disposing skips the
/// unread rest, without waiting for it, before the next message). A timed-out or cancelled read loses nothing.
/// The writer closing the pipe inside the payload is a <see cref="GipcProtocolException"/>.
/// </remarks>
public sealed class GipcMessageStream : Stream
{
    private readonly FrameReader _reader;
    private long _position;
    private int _readTimeout = Timeout.Infinite;
    private bool _disposed;

    internal GipcMessageStream(FrameReader reader, long length)
    {
        _reader = reader;
        Length = length;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override bool CanTimeout => true;

    /// <summary>The payload's size in bytes, known from the frame header.</summary>
    public override long Length { get; }

    /// <summary>How many payload bytes have been read. Setting it is not supported.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("A gipc message stream reads forward only.");
    }

    /// <summary>How long one read may wait for bytes, in milliseconds (<see cref="Timeout.Infinite"/>, the default,
    /// waits as long as it takes); a read that times out raises <see cref="GreenTimeoutException"/> and loses nothing.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative and not <see cref="Timeout.Infinite"/>.</exception>
    public override int ReadTimeout
    {
        get => _readTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, Timeout.Infinite);
            _readTimeout = value;
        }
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TimeSpan? timeout = _readTimeout == Timeout.Infinite ? null : TimeSpan.FromMilliseconds(_readTimeout);
        ValueTask<int> read = _reader.StreamReadAsync(this, buffer, timeout, cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            _position += read.Result;
            return read;
        }

        return Advance(read);
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Not supported: a read may have to wait, and waits are cooperative. Use <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> from a greenlet.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override int Read(byte[] buffer, int offset, int count)
        => throw new NotSupportedException("A gipc message stream is read with ReadAsync from a greenlet on the reader's hub (a blocking read would stall every greenlet).");

    /// <summary>Not supported (see <see cref="Read(byte[], int, int)"/>).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override int Read(Span<byte> buffer)
        => throw new NotSupportedException("A gipc message stream is read with ReadAsync from a greenlet on the reader's hub (a blocking read would stall every greenlet).");

    /// <summary>Not supported: the stream reads forward only.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A gipc message stream reads forward only.");

    /// <summary>Not supported: the stream is read-only.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void SetLength(long value) => throw new NotSupportedException("A gipc message stream is read-only.");

    /// <summary>Not supported: the stream is read-only.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A gipc message stream is read-only.");

    /// <summary>Nothing to flush: the stream is read-only.</summary>
    public override void Flush()
    {
    }

    /// <summary>Ends the stream; the payload bytes it has not read are skipped before the handle's next message.</summary>
    /// <param name="disposing">True from <see cref="IDisposable.Dispose"/>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _reader.StreamDisposed(this);
        }

        base.Dispose(disposing);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    private async ValueTask<int> Advance(ValueTask<int> read)
    {
        int n = await read.ConfigureAwait(true);
        _position += n;
        return n;
    }
}
