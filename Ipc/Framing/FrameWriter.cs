using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The writing half of a gipc handle. A put encodes its frame into the pending buffer and returns at once; a flusher
/// greenlet, woken at the back of the run queue, writes everything pending with one writev, so the frames put during
/// one hub turn leave in one system call. Frames are whole the moment they are accepted, and the flusher writes whole
/// buffers, so a put that is killed, timed out or cancelled has either been accepted entirely or not at all.
/// </summary>
/// <remarks>
/// Back-pressure: a put waits (before encoding, so an interrupted wait commits nothing) while more than
/// <see cref="GipcOptions.WriteBufferLimit"/> bytes are pending. Payloads of at least <see cref="DirectThreshold"/>
/// bytes that a codec can hand over as memory (raw bytes) skip the buffer: once everything before them is written,
/// the put writes header and payload itself with writev from the caller's memory; if it is interrupted half-way, the
/// unsent rest is copied into the buffer, ahead of anything queued meanwhile, and the flusher finishes the frame.
/// All of it runs on the hub thread of the first put.
/// </remarks>
internal sealed class FrameWriter
{
    public const int DirectThreshold = 64 * 1024;
    private const int MaxVectors = 64;

    private readonly SafeFdHandle _fd;
    private readonly GipcOptions _options;
    private readonly PendingBuffer _pending = new();

    // Woken by a put; the flusher clears it before each pass.
    private readonly GreenEvent _dataReady = new();

    // Set while nothing is pending and no direct write runs; flushes and direct puts wait on it.
    private readonly GreenEvent _idle = new(set: true);

    // Set while the pending bytes are under the limit; puts wait on it.
    private readonly GreenEvent _belowLimit = new(set: true);

    private Greenlet? _flusher;

    // The header of the direct write in progress (one at a time: _direct), reused rather than allocated per put.
    private readonly byte[] _directHeader = new byte[FrameHeader.Size];

    // The hub switch during which this writer last wrote at once (see Committed).
    private long _immediateSwitch = -1;
    private bool _direct;        // a put is writing a large frame itself: the flusher must not interleave
    private Exception? _failure; // the pipe broke: every later put raises this
    private bool _closing;       // Dispose was called: the flusher closes the fd once everything is written
    private bool _closed;

    public FrameWriter(SafeFdHandle fd, GipcOptions options)
    {
        _fd = fd;
        _options = options;
    }

    public SafeFdHandle Handle => _fd;

    public bool IsClosed => _closed || _closing;

    public GipcOptions Options => _options;

    /// <summary>
    /// Refuses a hand-over to a child while frames are unsent (they would be lost) or once closed; shared by every
    /// handle that writes.
    /// </summary>
    public void EnsureTransferable(string what)
    {
        if (!_pending.IsEmpty || _direct)
        {
            throw new GipcException($"This gipc {what} still has messages waiting to be written; they would be lost in the hand-over. Await FlushAsync() before passing it to StartProcess.");
        }

        if (IsClosed)
        {
            throw new GipcClosedException($"This gipc {what} is closed: it cannot be passed to a child.");
        }
    }

    /// <summary>Accepts one frame. Synchronous unless the buffer is over its limit or the payload goes direct.</summary>
    public ValueTask PutAsync<T>(IGipcCodec<T> codec, T value, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        if (Hub.Current is null)
        {
            // Checked before anything is accepted: the flusher that sends frames is a greenlet on this thread's hub.
            throw new InvalidOperationException("gipc handles are used from greenlets on a hub: call PutAsync inside Green.Run.");
        }

        if (!_belowLimit.IsSet || (!_idle.IsSet && codec is IDirectPayload<T>))
        {
            return PutSlowAsync(codec, value, timeout, cancellationToken);
        }

        if (codec is IDirectPayload<T> direct && direct.GetPayload(value) is { Length: >= DirectThreshold } payload)
        {
            return PutDirectAsync(payload, timeout, cancellationToken);
        }

        Append(codec, value);
        return default;
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private async ValueTask PutSlowAsync<T>(IGipcCodec<T> codec, T value, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long deadline = Deadline(timeout);
        while (!_belowLimit.IsSet)
        {
            await WaitEvent(_belowLimit, deadline, timeout, cancellationToken);
            ThrowIfUnusable();
        }

        if (codec is IDirectPayload<T> direct && direct.GetPayload(value) is { Length: >= DirectThreshold } payload)
        {
            await PutDirectAsync(payload, Remaining(deadline, timeout), cancellationToken);
            return;
        }

        Append(codec, value);
    }

    private void Append<T>(IGipcCodec<T> codec, T value)
    {
        (int Chunk, int Offset, long Length) mark = _pending.Mark();
        try
        {
            (int chunk, int offset) = _pending.Reserve(FrameHeader.Size);
            long before = _pending.Length;
            codec.Encode(value, _pending);
            long payload = _pending.Length - before;
            if (payload > _options.MaxFrameSize)
            {
                throw new GipcException($"The message encodes to {payload} bytes, more than GipcOptions.MaxFrameSize ({_options.MaxFrameSize}); the reader would reject it. Raise the limit on both ends or send it in parts.");
            }

            FrameHeader.Write(_pending.At(chunk, offset, FrameHeader.Size), (int)payload);
        }
        catch
        {
            _pending.CutTo(mark); // the frame never existed
            throw;
        }

        Committed();
    }

    private void Committed(bool writeNow = true)
    {
        // The first frame of a turn goes out at once: a request/response exchange must not wait for the flusher's
        // turn (that would add a hub pass to every round trip). Frames put later in the same turn (same switch number:
        // a loop of puts that never waits) are coalesced by the flusher into one writev at the end of the turn.
        Hub hub = Hub.Current!;
        if (writeNow && !_dataReady.IsSet && !_direct && _immediateSwitch != hub.SwitchCount)
        {
            _immediateSwitch = hub.SwitchCount;
            long written;
            try
            {
                written = WritePending(); // EPIPE raises here, to this put
            }
            catch (IOException e)
            {
                Fail(e);
                throw;
            }
            catch (ObjectDisposedException)
            {
                var closed = new GipcClosedException("The gipc writer was closed.");
                Fail(closed);
                throw closed;
            }

            _pending.Consume(written);
            if (_pending.IsEmpty)
            {
                return;
            }
        }

        _idle.Clear();
        if (_pending.Length >= _options.WriteBufferLimit)
        {
            _belowLimit.Clear();
        }

        if (!_dataReady.IsSet)
        {
            _dataReady.Set();
        }

        _flusher ??= Green.Spawn(FlushLoopAsync, "gipc-flusher");
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private async ValueTask PutDirectAsync(ReadOnlyMemory<byte> payload, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (payload.Length > _options.MaxFrameSize)
        {
            throw new GipcException($"The message is {payload.Length} bytes, more than GipcOptions.MaxFrameSize ({_options.MaxFrameSize}). Raise the limit on both ends or send it in parts.");
        }

        long deadline = Deadline(timeout);
        while (!_idle.IsSet)
        {
            await WaitEvent(_idle, deadline, timeout, cancellationToken); // nothing committed yet: safe to give up
            ThrowIfUnusable();
        }

        _direct = true;
        _idle.Clear();
        byte[] header = _directHeader;
        FrameHeader.Write(header, payload.Length);
        long total = FrameHeader.Size + payload.Length;
        long sent = 0;
        try
        {
            while (true)
            {
                sent += WriteDirect(header, payload.Span, sent);
                if (sent == total)
                {
                    break;
                }

                await Green.WaitWriteAsync(_fd, Remaining(deadline, timeout), cancellationToken);
            }
        }
        catch (Exception e) when (sent > 0 && sent < total && e is not IOException)
        {
            // Interrupted half-way (timeout, kill, cancellation): the frame is committed. Its unsent rest goes in
            // front of whatever was queued meanwhile (nothing of that was written: the flusher waits for direct
            // writes), and the flusher completes it.
            int payloadSent = (int)Math.Max(0, sent - FrameHeader.Size);
            _pending.Prepend(payload.Span.Slice(payloadSent));
            if (sent < FrameHeader.Size)
            {
                _pending.Prepend(header.AsSpan((int)sent));
            }

            throw;
        }
        finally
        {
            _direct = false;
            if (_pending.IsEmpty)
            {
                _idle.Set();
            }
            else
            {
                Committed(writeNow: false); // from a finally: leave the writing (and its errors) to the flusher
            }
        }
    }

    /// <summary>One writev of the unsent part of header + payload; returns the bytes written (0 when the pipe is full).</summary>
    [SkipLocalsInit] // the vectors are filled before use: no need to clear them first
    private unsafe long WriteDirect(byte[] header, ReadOnlySpan<byte> payload, long sent)
    {
        Interop.IOVector* vectors = stackalloc Interop.IOVector[2];
        fixed (byte* h = header)
        fixed (byte* p = payload)
        {
            int n = 0;
            if (sent < FrameHeader.Size)
            {
                vectors[n].Base = h + sent;
                vectors[n].Count = (nuint)(FrameHeader.Size - sent);
                n++;
            }

            long payloadSent = Math.Max(0, sent - FrameHeader.Size);
            vectors[n].Base = p + payloadSent;
            vectors[n].Count = (nuint)(payload.Length - payloadSent);
            n++;
            return Writev(vectors, n);
        }
    }

    /// <summary>Waits until everything accepted so far has been written.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    public async ValueTask FlushAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long deadline = Deadline(timeout);
        while (!_idle.IsSet)
        {
            ThrowIfFailed();
            await WaitEvent(_idle, deadline, timeout, cancellationToken);
        }

        ThrowIfFailed();
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            await _dataReady.WaitAsync();
            _dataReady.Clear();
            while (!_pending.IsEmpty && !_direct)
            {
                long written;
                try
                {
                    written = WritePending();
                }
                catch (IOException e)
                {
                    Fail(e);
                    return;
                }
                catch (ObjectDisposedException)
                {
                    Fail(new GipcClosedException("The gipc writer was closed while frames were pending."));
                    return;
                }

                if (written == 0)
                {
                    try
                    {
                        await Green.WaitWriteAsync(_fd);
                    }
                    catch (ObjectDisposedException)
                    {
                        Fail(new GipcClosedException("The gipc writer was closed while frames were pending."));
                        return;
                    }

                    continue;
                }

                _pending.Consume(written);
                if (_pending.Length < _options.WriteBufferLimit / 2 && !_belowLimit.IsSet)
                {
                    _belowLimit.Set();
                }
            }

            if (_pending.IsEmpty && !_direct)
            {
                _idle.Set();
                if (!_belowLimit.IsSet)
                {
                    _belowLimit.Set();
                }

                if (_closing)
                {
                    CloseNow();
                    return;
                }
            }
        }
    }

    [SkipLocalsInit] // Gather fills the vectors it hands to writev; clearing 1 KiB of them on every write is waste
    private unsafe long WritePending()
    {
        Interop.IOVector* vectors = stackalloc Interop.IOVector[MaxVectors];
        int n = _pending.Gather(vectors, MaxVectors);
        return Writev(vectors, n);
    }

    /// <summary>writev; 0 when the pipe is full; EPIPE and other errors as IOException.</summary>
    private unsafe long Writev(Interop.IOVector* vectors, int count)
    {
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            int fd = (int)_fd.DangerousGetHandle();
            while (true)
            {
                // One vector (a lone small frame: the request/response case) goes through write(2), which the kernel
                // handles with less work than writev's vector import.
                nint n = count == 1 ? Interop.Write(fd, (byte*)vectors[0].Base, (nint)vectors[0].Count) : Interop.Writev(fd, vectors, count);
                if (n >= 0)
                {
                    return n;
                }

                int errno = Interop.LastErrno;
                if (errno == Interop.EAGAIN)
                {
                    return 0;
                }

                if (errno == Interop.EINTR)
                {
                    continue;
                }

                if (errno is Interop.EPIPE or Interop.ECONNRESET)
                {
                    throw new IOException("The reading end of the gipc pipe is closed (EPIPE): the peer exited or disposed its reader. Nothing more can be sent on this handle.",
                        Interop.ErrnoException(errno, $"writev(fd {fd})"));
                }

                throw Interop.ErrnoException(errno, $"writev(fd {fd})");
            }
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    private void Fail(Exception e)
    {
        _failure ??= e;
        _pending.Clear();
        _idle.Set();
        _belowLimit.Set();
        if (_closing)
        {
            CloseNow();
        }
    }

    /// <summary>
    /// Closes the handle once every accepted frame is written (at once when nothing is pending, else by the
    /// flusher). Later puts raise <see cref="GipcClosedException"/>.
    /// </summary>
    public void Close()
    {
        if (_closing || _closed)
        {
            return;
        }

        _closing = true;
        if ((_pending.IsEmpty && !_direct) || _flusher is null || _failure is not null)
        {
            CloseNow();
        }
        else if (!ReferenceEquals(Hub.Current, _flusher.Hub) || _flusher.IsReady)
        {
            // Disposed from another thread, or after the hub ended: nobody can send the rest any more.
            Abort();
        }
        else if (!_dataReady.IsSet)
        {
            _dataReady.Set();
        }
    }

    /// <summary>Closes now, dropping anything pending (the handle moved to a child, or the owner gave up).</summary>
    public void Abort()
    {
        _closing = true;
        _pending.Clear();
        CloseNow();
    }

    private void CloseNow()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _pending.Clear();
        _fd.Dispose();

        // An idle flusher parks on _dataReady for ever: end it (from its own hub; it ends by itself when it closes).
        if (_flusher is { IsReady: false } flusher && ReferenceEquals(Hub.Current, flusher.Hub) && !ReferenceEquals(CurrentGreenlet(), flusher))
        {
            _ = flusher.KillAsync(block: false);
        }
    }

    private static Greenlet? CurrentGreenlet() => Hub.Current is null ? null : Green.Current;

    private void ThrowIfUnusable()
    {
        if (_closed || _closing)
        {
            throw new GipcClosedException("This gipc writer is closed (disposed, or passed to a child process with Gipc.StartProcess).");
        }

        ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw _failure is IOException io ? new IOException(io.Message, io.InnerException) : new GipcClosedException(_failure.Message, _failure);
        }
    }

    private static long Deadline(TimeSpan? timeout)
        => timeout is { } t ? Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;

    private static TimeSpan? Remaining(long deadline, TimeSpan? timeout)
    {
        if (timeout is null)
        {
            return null;
        }

        long left = deadline - Stopwatch.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private static async ValueTask WaitEvent(GreenEvent e, long deadline, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (!await e.WaitAsync(Remaining(deadline, timeout), cancellationToken))
        {
            throw new GreenTimeoutException(GreenTimeout.CreateExpired(timeout!.Value, Green.Current));
        }
    }
}
