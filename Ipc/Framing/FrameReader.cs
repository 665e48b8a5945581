using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The reading half of a gipc handle. Reads big chunks and decodes every complete frame from its buffer (a get with a
/// frame already buffered makes no system call); a frame larger than the buffer is read straight into an array of its
/// own size. A get that times out or is cancelled mid-frame keeps the partial bytes for the next get. One get at a
/// time: a second concurrent one raises <see cref="GipcLockedException"/>.
/// </summary>
internal sealed class FrameReader
{
    // Raw payloads from this size up are read straight into the array handed to the caller (after the previous such
    // frame, the reader even reads the next header alone, so the payload does not pass through the buffer at all).
    private const int DirectReadThreshold = 32 * 1024;

    private readonly SafeFdHandle _fd;
    private readonly bool _ownsHandle;
    private readonly GipcOptions _options;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    // A frame larger than the buffer, being read into its own array.
    private byte[]? _large;
    private bool _largePooled;
    private int _largeLength;
    private int _largeFilled;

    // The last frame was a large raw one: read the next header on its own (see DirectReadThreshold).
    private bool _expectLarge;

    // The last read returned less than it asked for: the pipe was empty then. A get that finds no whole frame in the
    // buffer waits for readiness first instead of making a read that would most likely fail with EAGAIN (epoll is
    // level-triggered, so data that came meanwhile is reported at once). Saves a system call per message exchanged.
    private bool _drained;

    private bool _busy;
    private bool _eof;
    private bool _closed;
    private Exception? _failure;

    public FrameReader(SafeFdHandle fd, GipcOptions options, bool ownsHandle = true)
    {
        _fd = fd;
        _ownsHandle = ownsHandle;
        _options = options;
        _buffer = GC.AllocateUninitializedArray<byte>(options.ReadBufferSize);
    }

    public SafeFdHandle Handle => _fd;

    public bool IsClosed => _closed;

    public GipcOptions Options => _options;

    public ValueTask<T> GetAsync<T>(IGipcCodec<T> codec, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        if (_busy)
        {
            throw new GipcLockedException("Another greenlet is already waiting in GetAsync on this gipc handle; a handle serves one reader at a time (gipc's GIPCLocked). Give each greenlet its own pipe, or hand messages on through a GreenQueue.");
        }

        return TryDecode(codec, out T value) ? new ValueTask<T>(value) : GetSlowAsync(codec, timeout, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> GetSlowAsync<T>(IGipcCodec<T> codec, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        _busy = true;
        try
        {
            long deadline = timeout is { } t ? Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
            while (true)
            {
                if (TryDecode(codec, out T value))
                {
                    return value;
                }

                if (!_drained)
                {
                    int n = ReadMore();
                    if (n > 0)
                    {
                        continue;
                    }

                    if (n == 0)
                    {
                        throw AtEndOfStream();
                    }
                }

                _drained = false; // after the wait, read
                try
                {
                    await Green.WaitReadAsync(_fd, Remaining(deadline, timeout), cancellationToken);
                }
                catch (ObjectDisposedException)
                {
                    throw new GipcClosedException("This gipc handle was closed while a greenlet waited in GetAsync.");
                }
            }
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>Decodes the next frame if it is complete; starts a large frame's own array when it is not.</summary>
    private bool TryDecode<T>(IGipcCodec<T> codec, out T value)
    {
        if (_large is not null)
        {
            if (_largeFilled < _largeLength)
            {
                value = default!;
                return false;
            }

            byte[] payload = _large;
            int length = _largeLength;
            bool pooled = _largePooled;
            _large = null;
            if (pooled && codec is IPooledDecode<T> owner)
            {
                value = owner.FromRented(payload, length); // the value returns the array when disposed
                return true;
            }

            try
            {
                value = !pooled && codec is IDirectDecode<T> directDecode ? directDecode.FromPayloadArray(payload) : Decode(codec, payload.AsSpan(0, length));
            }
            finally
            {
                if (pooled)
                {
                    ArrayPool<byte>.Shared.Return(payload);
                }
            }

            return true;
        }

        int available = _end - _start;
        if (available < FrameHeader.Size)
        {
            value = default!;
            return false;
        }

        int frameLength;
        try
        {
            frameLength = FrameHeader.Read(_buffer.AsSpan(_start, FrameHeader.Size), _options.MaxFrameSize);
        }
        catch (GipcProtocolException e)
        {
            Fail(e);
            throw;
        }

        // Size first: a small frame (the common case) then costs no interface check at all.
        _expectLarge = frameLength >= DirectReadThreshold && codec is (IDirectDecode<T> or IPooledDecode<T>);
        if (available - FrameHeader.Size >= frameLength)
        {
            var payload = new ReadOnlySpan<byte>(_buffer, _start + FrameHeader.Size, frameLength);
            _start += FrameHeader.Size + frameLength;
            if (_start == _end)
            {
                _start = _end = 0;
            }

            if (frameLength >= 2048 && codec is IDirectDecode<T>)
            {
                // One copy into an array that is not zeroed first (the payload overwrites all of it).
                byte[] array = GC.AllocateUninitializedArray<byte>(frameLength);
                payload.CopyTo(array);
                value = ((IDirectDecode<T>)codec).FromPayloadArray(array);
                return true;
            }

            value = Decode(codec, payload);
            return true;
        }

        if (FrameHeader.Size + frameLength > _buffer.Length || _expectLarge)
        {
            // Too big for the buffer: give it an array of its own and read the rest straight into it.
            _largePooled = codec is not IDirectDecode<T>;
            _large = _largePooled ? ArrayPool<byte>.Shared.Rent(frameLength) : GC.AllocateUninitializedArray<byte>(frameLength);
            _largeLength = frameLength;
            _largeFilled = available - FrameHeader.Size;
            _buffer.AsSpan(_start + FrameHeader.Size, _largeFilled).CopyTo(_large);
            _start = _end = 0;
        }

        value = default!;
        return false;
    }

    private T Decode<T>(IGipcCodec<T> codec, ReadOnlySpan<byte> payload)
    {
        try
        {
            return codec.Decode(payload);
        }
        catch (GipcProtocolException e)
        {
            Fail(e);
            throw;
        }
        catch (Exception e) when (e is not GipcException)
        {
            var error = new GipcProtocolException($"A {payload.Length}-byte frame could not be decoded as {typeof(T).Name} ({e.Message}); the handle has been closed. Both ends must use the same message type and codec.", e);
            Fail(error);
            throw error;
        }
    }

    /// <summary>One non-blocking read into the free space: bytes read, 0 at end of stream, -1 when nothing is ready.</summary>
    private int ReadMore()
    {
        Span<byte> target;
        Span<byte> after = default;
        if (_large is not null)
        {
            // The rest of the large payload, and in the same readv what follows it: the next header alone when the
            // next frame is likely large too (its payload should go straight to its own array), else as much as the
            // buffer takes. One system call a message in a stream of large ones.
            target = _large.AsSpan(_largeFilled, _largeLength - _largeFilled);
            after = _expectLarge ? _buffer.AsSpan(_end, FrameHeader.Size) : _buffer.AsSpan(_end);
        }
        else
        {
            if (_start > 0)
            {
                // Move the partial frame to the front: the free space after it is what the next read fills.
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            // After a large raw frame, read the next header alone: its payload then goes straight to its own array.
            target = _expectLarge && _end < FrameHeader.Size ? _buffer.AsSpan(_end, FrameHeader.Size - _end) : _buffer.AsSpan(_end);
        }

        int n;
        try
        {
            n = Interop.ReadNonBlocking(_fd, target, after);
        }
        catch (ObjectDisposedException)
        {
            throw new GipcClosedException("This gipc handle is closed.");
        }
        catch (NativeIOException e) when (e.Errno == Interop.ECONNRESET)
        {
            return 0; // a socket peer that went away: end of stream
        }

        _drained = n >= 0 && n < target.Length + after.Length;
        if (n > 0)
        {
            if (_large is not null)
            {
                int intoLarge = Math.Min(n, target.Length);
                _largeFilled += intoLarge;
                _end += n - intoLarge;
            }
            else
            {
                _end += n;
            }
        }

        return n;
    }

    private Exception AtEndOfStream()
    {
        int partial = _large is not null ? FrameHeader.Size + _largeFilled : _end - _start;
        if (partial == 0)
        {
            _eof = true;
            return new EndOfStreamException("The other end of the gipc pipe is closed: no more messages will come.");
        }

        var error = new GipcProtocolException($"The other end closed in the middle of a frame ({partial} bytes of it had arrived): the message is lost and the stream cannot be trusted; the handle has been closed.");
        Fail(error);
        return error;
    }

    private void Fail(Exception e)
    {
        _failure ??= e;
        Close();
    }

    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_large is not null && _largePooled)
        {
            ArrayPool<byte>.Shared.Return(_large);
        }

        _large = null;
        if (_ownsHandle)
        {
            _fd.Dispose();
        }
    }

    private void ThrowIfUnusable()
    {
        if (_eof)
        {
            throw new EndOfStreamException("The other end of the gipc pipe is closed: no more messages will come.");
        }

        if (_closed)
        {
            throw _failure is GipcProtocolException p
                ? new GipcProtocolException("This gipc handle was closed after a protocol error: " + p.Message, p)
                : new GipcClosedException("This gipc reader is closed (disposed, or passed to a child process with Gipc.StartProcess).");
        }
    }

    private static TimeSpan? Remaining(long deadline, TimeSpan? timeout)
    {
        if (timeout is null)
        {
            return null;
        }

        long left = deadline - Stopwatch.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
    }
}
