using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The reading half of a gipc handle. Reads big chunks and decodes every complete frame from its buffer (a get with a
/// frame already buffered makes no system call); a frame larger than the buffer is read straight into an array of its
/// own size. A get that times out or is cancelled mid-frame keeps the partial bytes for the next get. One get at a
/// time: a second concurrent one raises <see cref="GipcLockedException"/>.
/// </summary>
internal sealed partial class FrameReader
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

    // A message handed out as a stream (GetStreamAsync) and the payload bytes it has not read yet. While it is open no
    // other get may start; bytes it leaves unread when disposed are skipped before the next frame.
    private GipcMessageStream? _stream;
    private long _streamRemaining;
    private long _skip;

    // The I/O core's operation this reader waits for data with (made at the first wait): a readiness wait on Unix, a
    // zero-byte read through the hub's completion port on Windows.
    private IOOperation? _readiness;

    // The GetOperation<T> that a get which has to wait reuses (see FrameReader.GetOperation.cs).
    private object? _getOperation;
    private object? _getOperationSpare;

    // The hub the reader gets on: the hub of its first get (a handle, like a primitive, belongs to one hub at a time).
    private Hub? _hub;

    private bool _busy; // a get (or a stream get) is waiting: a second one raises GipcLockedException
    private Lifecycle _state;
    private bool _released; // the descriptor is closed (Close ran): in every state but Open, once disposed
    private Exception? _failure; // the protocol error that failed the reader (state Failed)

    /// <summary>
    /// What a get hears. Open → Ended (the peer closed between two frames: every later get raises
    /// EndOfStreamException, even after Close) · Open → Failed (a protocol error closed the handle; it was raised to the
    /// get that met it, later gets raise GipcClosedException carrying it) · Open → Closed (disposed or handed to a child).
    /// Which part of a frame is being received is the other machine, see <see cref="Phase"/>.
    /// </summary>
    private enum Lifecycle
    {
        Open,
        Ended,
        Failed,
        Closed,
    }

    /// <summary>
    /// Which part of the stream the reader is in, one at a time: decoding whole frames from the buffer; filling a frame
    /// too large for the buffer into its own array (<c>_large</c>); a payload handed out as a stream (<c>_stream</c>);
    /// or skipping what a disposed stream left unread (<c>_skip</c>).
    /// </summary>
    private enum ReceivePhase
    {
        Frames,
        LargeFrame,
        Stream,
        Skip,
    }

    private ReceivePhase Phase => _large is not null ? ReceivePhase.LargeFrame : _stream is not null ? ReceivePhase.Stream : _skip > 0 ? ReceivePhase.Skip : ReceivePhase.Frames;

    public FrameReader(SafeFdHandle fd, GipcOptions options, bool ownsHandle = true)
    {
        _fd = fd;
        _ownsHandle = ownsHandle;
        _options = options;
        _buffer = GC.AllocateUninitializedArray<byte>(options.ReadBufferSize);
    }

    public SafeFdHandle Handle => _fd;

    public bool IsClosed => _released;

    public GipcOptions Options => _options;

    public ValueTask<T> GetAsync<T>(IGipcCodec<T> codec, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Deadline.Validate(timeout, nameof(timeout)); // the clock is read only if the get has to wait
        ThrowIfUnusable();
        HandleHub.Bind(ref _hub, "GetAsync", "reader");
        ThrowIfBusy();
        if (TryDecode(codec, out T value))
        {
            return new ValueTask<T>(value);
        }

        // One get at a time, so a reader reuses its operation (a reader's message type never changes); a second one
        // serves a get started by code that the first one's completion is running inline, so that nothing depends on
        // what ManualResetValueTaskSourceCore does after it has run a continuation.
        var operation = _getOperation as GetOperation<T> ?? (GetOperation<T>)(_getOperation = new GetOperation<T>(this));
        if (operation.Completing)
        {
            operation = _getOperationSpare as GetOperation<T> ?? (GetOperation<T>)(_getOperationSpare = new GetOperation<T>(this));
        }

        return operation.Start(codec, timeout, cancellationToken);
    }

    /// <summary>The next frame's payload as a stream that reads it from the pipe piece by piece (see GipcReader.GetStreamAsync).</summary>
    public ValueTask<GipcMessageStream> GetStreamAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Deadline.Validate(timeout, nameof(timeout));
        ThrowIfUnusable();
        HandleHub.Bind(ref _hub, "GetAsync", "reader");
        ThrowIfBusy();
        if (_large is not null)
        {
            throw new InvalidOperationException("A GetAsync that timed out or was cancelled has already begun to receive the next message into an array of its own; finish that message with GetAsync.");
        }

        return TryOpenStream(out GipcMessageStream? stream) ? new ValueTask<GipcMessageStream>(stream) : GetStreamSlowAsync(timeout, cancellationToken);
    }

    private void ThrowIfBusy()
    {
        if (_stream is not null)
        {
            throw new GipcLockedException("A message stream from GetStreamAsync is still open on this gipc handle: read it to its end or dispose it before the next get.");
        }

        if (_busy)
        {
            throw new GipcLockedException("Another greenlet is already waiting in GetAsync on this gipc handle; a handle serves one reader at a time (gipc's GIPCLocked). Give each greenlet its own pipe, or hand messages on through a GreenQueue.");
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    private async ValueTask<GipcMessageStream> GetStreamSlowAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        _busy = true; // while it waits for the header; once open, the stream itself holds the handle (_stream)
        try
        {
            Deadline deadline = Deadline.Start(timeout);
            while (true)
            {
                if (TryOpenStream(out GipcMessageStream? stream))
                {
                    return stream;
                }

                try
                {
                    await ReadOrWaitAsync(deadline, cancellationToken);
                }
                catch (ObjectDisposedException)
                {
                    throw ClosedWhileWaiting("GetStreamAsync");
                }
            }
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>Opens a stream over the next frame once its header has arrived (skipping what a disposed stream left).</summary>
    private bool TryOpenStream([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GipcMessageStream? stream)
    {
        stream = null;
        if (!SkipBuffered() || _end - _start < FrameHeader.Size)
        {
            return false;
        }

        int frameLength = ReadHeader();

        Take(FrameHeader.Size);
        IpcMetrics.Received(frameLength);
        _expectLarge = false;
        _streamRemaining = frameLength;
        stream = new GipcMessageStream(this, frameLength);
        _stream = frameLength > 0 ? stream : null;
        return true;
    }

    /// <summary>One read of the open stream's payload: buffered bytes first, then straight from the pipe into
    /// <paramref name="destination"/> (never past the frame's end).</summary>
    internal ValueTask<int> StreamReadAsync(GipcMessageStream stream, Memory<byte> destination, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(_stream, stream))
        {
            return new ValueTask<int>(0); // read to its end, or disposed
        }

        ThrowIfUnusable();
        if (destination.IsEmpty)
        {
            return new ValueTask<int>(0);
        }

        int n = TryStreamRead(destination.Span);
        return n > 0 ? new ValueTask<int>(n) : StreamReadSlowAsync(destination, timeout, cancellationToken);
    }

    /// <summary>Bytes of the open stream available without waiting: from the buffer, else one read; 0 when none.</summary>
    private int TryStreamRead(Span<byte> destination)
    {
        int want = (int)Math.Min(destination.Length, _streamRemaining);
        int buffered = _end - _start;
        int n;
        if (buffered > 0)
        {
            n = Math.Min(want, buffered);
            _buffer.AsSpan(_start, n).CopyTo(destination);
            Take(n);
        }
        else
        {
            if (_drained)
            {
                return 0;
            }

            n = ReadInto(destination.Slice(0, want));
            if (n == 0)
            {
                throw AtEndOfStream();
            }

            if (n < 0)
            {
                return 0;
            }
        }

        _streamRemaining -= n;
        if (_streamRemaining == 0)
        {
            _stream = null; // read to its end: the handle is free again
        }

        return n;
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    private async ValueTask<int> StreamReadSlowAsync(Memory<byte> destination, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Deadline deadline = Deadline.Start(timeout);
        while (true)
        {
            try
            {
                await WaitReadableAsync(deadline, cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                throw ClosedWhileWaiting("a message stream's ReadAsync");
            }

            ThrowIfUnusable();
            int n = TryStreamRead(destination.Span);
            if (n > 0)
            {
                return n;
            }
        }
    }

    /// <summary>The open stream is disposed: what it left unread is skipped before the next frame.</summary>
    internal void StreamDisposed(GipcMessageStream stream)
    {
        if (!ReferenceEquals(_stream, stream))
        {
            return;
        }

        _skip += _streamRemaining;
        _streamRemaining = 0;
        _stream = null;
    }

    /// <summary>Whether all the bytes a disposed stream left unread have been dropped from the buffer.</summary>
    private bool SkipBuffered()
    {
        if (_skip == 0)
        {
            return true;
        }

        int n = (int)Math.Min(_skip, _end - _start);
        Take(n);
        _skip -= n;
        return _skip == 0;
    }

    /// <summary>The payload length in the header at the buffer's start; a bad header closes the handle and raises.</summary>
    private int ReadHeader()
    {
        try
        {
            return FrameHeader.Read(_buffer.AsSpan(_start, FrameHeader.Size), _options.MaxFrameSize);
        }
        catch (GipcProtocolException e)
        {
            Fail(e);
            throw;
        }
    }

    /// <summary>Consumes <paramref name="count"/> buffered bytes.</summary>
    private void Take(int count)
    {
        _start += count;
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }

    /// <summary>Reads more into the buffer, or, when nothing is there (or the last read emptied the pipe), waits until
    /// the pipe is readable. End of stream raises. Not an async method of its own: the caller's (pooled) state machine
    /// awaits the hub's wait directly, so a wait allocates nothing.</summary>
    private ValueTask ReadOrWaitAsync(in Deadline deadline, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return ReadThroughPortAsync(deadline, cancellationToken);
        }

        if (!_drained)
        {
            int n = ReadMore();
            if (n > 0)
            {
                return default;
            }

            if (n == 0)
            {
                throw AtEndOfStream();
            }
        }

        return WaitReadableAsync(deadline, cancellationToken);
    }

    /// <summary>
    /// Windows: one read through the I/O core's operation into where <see cref="ReadMore"/> reads (the rest of a large
    /// payload, else the buffer's free space). It completes at once when data is there and otherwise pends until it
    /// comes: one pipe operation per wait, where a readiness wait (a zero-byte read) then a read (PeekNamedPipe, ReadFile)
    /// made three, each a trip through Wine's wineserver. An interrupted read returns what won the race (see
    /// CompletionOperation), so nothing is lost. End of stream raises, as in <see cref="ReadOrWaitAsync"/>.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private async ValueTask ReadThroughPortAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        Memory<byte> target = NextReadTarget();
        System.Diagnostics.Debug.Assert(!target.IsEmpty, "a get reads only while its frame is incomplete");
        int n;
        try
        {
            n = await (_readiness ??= IOOperation.Create(_fd, isRead: true, "this gipc reader")).ReadAsync(target, deadline.Remaining, cancellationToken);
        }
        catch (NativeIOException e) when (FdIO.IsPeerGone(e))
        {
            n = 0;
        }

        if (n == 0)
        {
            throw AtEndOfStream();
        }

        Account(n, target.Length);
    }

    /// <summary>The hub's wait for readability (it raises ObjectDisposedException if the handle closes).</summary>
    private ValueTask WaitReadableAsync(in Deadline deadline, CancellationToken cancellationToken)
    {
        _drained = false; // after the wait, read
        return (_readiness ??= IOOperation.Create(_fd, isRead: true, "this gipc reader")).WaitReadableAsync(deadline.Remaining, cancellationToken);
    }

    private static GipcClosedException ClosedWhileWaiting(string operation)
        => new($"This gipc handle was closed while a greenlet waited in {operation}.");

    /// <summary>Decodes the next frame if it is complete; starts a large frame's own array when it is not.</summary>
    private bool TryDecode<T>(IGipcCodec<T> codec, out T value)
    {
        if (_skip > 0 && !SkipBuffered())
        {
            value = default!;
            return false;
        }

        if (_large is not null)
        {
            return TryTakeLargeFrame(codec, out value);
        }

        int available = _end - _start;
        if (available < FrameHeader.Size)
        {
            value = default!;
            return false;
        }

        int frameLength = ReadHeader();

        // Size first: a small frame (the common case) then costs no interface check at all.
        _expectLarge = frameLength >= DirectReadThreshold && codec is (IDirectDecode<T> or IPooledDecode<T>);
        if (available - FrameHeader.Size >= frameLength)
        {
            value = DecodeBuffered(codec, frameLength);
            return true;
        }

        if (FrameHeader.Size + frameLength > _buffer.Length || _expectLarge)
        {
            BeginLargeFrame(codec, frameLength, available - FrameHeader.Size);
        }

        value = default!;
        return false;
    }

    /// <summary>Decodes the whole frame of <paramref name="frameLength"/> bytes at the buffer's start.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // the per-message path (gipc_msgs: ~60 ns a message)
    private T DecodeBuffered<T>(IGipcCodec<T> codec, int frameLength)
    {
        var payload = new ReadOnlySpan<byte>(_buffer, _start + FrameHeader.Size, frameLength);
        Take(FrameHeader.Size + frameLength); // moves the indexes only: the payload's bytes stay where they are
        IpcMetrics.Received(frameLength);

        if (frameLength >= 2048 && codec is IDirectDecode<T>)
        {
            // One copy into an array that is not zeroed first (the payload overwrites all of it).
            byte[] array = GC.AllocateUninitializedArray<byte>(frameLength);
            payload.CopyTo(array);
            return ((IDirectDecode<T>)codec).FromPayloadArray(array);
        }

        return Decode(codec, payload);
    }

    /// <summary>A frame too big for the buffer gets an array of its own; what of it is buffered moves there.</summary>
    private void BeginLargeFrame<T>(IGipcCodec<T> codec, int frameLength, int buffered)
    {
        _largePooled = codec is not IDirectDecode<T>;
        _large = _largePooled ? ArrayPool<byte>.Shared.Rent(frameLength) : GC.AllocateUninitializedArray<byte>(frameLength);
        _largeLength = frameLength;
        _largeFilled = buffered;
        _buffer.AsSpan(_start + FrameHeader.Size, _largeFilled).CopyTo(_large);
        _start = _end = 0;
    }

    /// <summary>Hands out the large frame once its array is full (a rented one is returned, or passed on to the value).</summary>
    private bool TryTakeLargeFrame<T>(IGipcCodec<T> codec, out T value)
    {
        if (_largeFilled < _largeLength)
        {
            value = default!;
            return false;
        }

        byte[] payload = _large!;
        int length = _largeLength;
        bool pooled = _largePooled;
        _large = null;
        IpcMetrics.Received(length);
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
        Span<byte> target = NextReadTarget().Span;

        // With a large payload, the same readv goes on into what follows it: the next header alone when the next frame
        // is likely large too (its payload should go straight to its own array), else as much as the buffer takes. One
        // system call a message in a stream of large ones.
        Span<byte> after = _large is null ? default : _expectLarge ? _buffer.AsSpan(_end, FrameHeader.Size) : _buffer.AsSpan(_end);
        int n = ReadInto(target, after);
        Account(n, target.Length);
        return n;
    }

    /// <summary>
    /// Where the next read goes: the rest of a large payload (its own array), else the buffer's free space, after the
    /// partial frame is moved to the front; after a large raw frame, only the next header (its payload then goes
    /// straight to its own array).
    /// </summary>
    private Memory<byte> NextReadTarget()
    {
        if (_large is not null)
        {
            return _large.AsMemory(_largeFilled, _largeLength - _largeFilled);
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        return _expectLarge && _end < FrameHeader.Size ? _buffer.AsMemory(_end, FrameHeader.Size - _end) : _buffer.AsMemory(_end);
    }

    /// <summary>Counts <paramref name="n"/> bytes read into <see cref="NextReadTarget"/> (of <paramref name="targetLength"/>) and what followed it.</summary>
    private void Account(int n, int targetLength)
    {
        if (n <= 0)
        {
            return;
        }

        if (_large is not null)
        {
            int intoLarge = Math.Min(n, targetLength);
            _largeFilled += intoLarge;
            _end += n - intoLarge;
        }
        else
        {
            _end += n;
        }
    }

    /// <summary>One non-blocking read(v): bytes read, 0 at end of stream, -1 when nothing is ready.</summary>
    private int ReadInto(Span<byte> target, Span<byte> after = default)
    {
        int n;
        try
        {
            n = FdIO.TryRead(_fd, target, after);
        }
        catch (ObjectDisposedException)
        {
            throw new GipcClosedException("This gipc handle is closed.");
        }
        catch (NativeIOException e) when (FdIO.IsPeerGone(e))
        {
            return 0; // a socket peer that went away: end of stream
        }

        _drained = n >= 0 && n < target.Length + after.Length;
        return n;
    }

    private Exception AtEndOfStream()
    {
        long partial = _large is not null ? FrameHeader.Size + _largeFilled : _end - _start;
        GipcProtocolException error;
        if (_stream is not null || _skip > 0)
        {
            error = new GipcProtocolException($"The other end closed in the middle of a message ({_streamRemaining + _skip} bytes of its payload never came): the message is cut short and the stream cannot be trusted; the handle has been closed.");
        }
        else if (partial == 0)
        {
            _state = Lifecycle.Ended;
            return new EndOfStreamException("The other end of the gipc pipe is closed: no more messages will come.");
        }
        else
        {
            error = new GipcProtocolException($"The other end closed in the middle of a frame ({partial} bytes of it had arrived): the message is lost and the stream cannot be trusted; the handle has been closed.");
        }

        Fail(error);
        return error;
    }

    private void Fail(Exception e)
    {
        if (_state == Lifecycle.Open)
        {
            _state = Lifecycle.Failed;
            _failure = e;
        }

        Close();
    }

    public void Close()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        if (_state == Lifecycle.Open)
        {
            _state = Lifecycle.Closed;
        }

        if (_large is not null && _largePooled)
        {
            ArrayPool<byte>.Shared.Return(_large);
        }

        _large = null;
        if (_ownsHandle)
        {
            _fd.Dispose();
        }

        _readiness?.Dispose();
    }

    private void ThrowIfUnusable()
    {
        AssertInvariants();
        switch (_state)
        {
            case Lifecycle.Ended:
                throw new EndOfStreamException("The other end of the gipc pipe is closed: no more messages will come.");
            case Lifecycle.Failed:
                // Closed is closed (DESIGN §4): the protocol error that closed the handle was raised once, to the get that
                // met it; later calls raise GipcClosedException and carry it as the cause.
                throw new GipcClosedException("This gipc handle was closed after a protocol error (see the inner exception); the stream cannot be trusted any more.", _failure!);
            case Lifecycle.Closed:
                throw new GipcClosedException("This gipc reader is closed (disposed, or passed to a child process with Gipc.StartProcess).");
        }
    }

    /// <summary>What holds between operations (checked at each entry in debug builds).</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertInvariants()
    {
        System.Diagnostics.Debug.Assert(0 <= _start && _start <= _end && _end <= _buffer.Length, "buffer indexes out of order");
        System.Diagnostics.Debug.Assert((_large is null ? 0 : 1) + (_stream is null ? 0 : 1) + (_skip > 0 ? 1 : 0) <= 1, $"two receive phases at once (Phase says {Phase})");
        System.Diagnostics.Debug.Assert(_large is null || (0 <= _largeFilled && _largeFilled <= _largeLength && _largeLength <= _large.Length), "a large frame filled past its length");
        System.Diagnostics.Debug.Assert(_stream is null ? _streamRemaining == 0 : _streamRemaining > 0, "an open message stream with nothing left, or stream bytes counted with none open");
        System.Diagnostics.Debug.Assert(_skip >= 0, "a negative skip");
        System.Diagnostics.Debug.Assert((_state == Lifecycle.Failed) == (_failure is not null), "a failure without the Failed state, or the reverse");
        System.Diagnostics.Debug.Assert(_state == Lifecycle.Open || _state == Lifecycle.Ended || _released, "a failed or closed reader still holds its descriptor");
        System.Diagnostics.Debug.Assert(!_released || _large is null, "a released reader still holds a large frame's array");
    }
}
