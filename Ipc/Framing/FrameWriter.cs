using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

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
/// <para>
/// Delivery at the end of a process: while bytes are pending the writer is on its hub's list of pending outputs
/// (<see cref="PendingOutput"/>). When the main greenlet ends, greenlets are abandoned (the flusher too), and the hub
/// writes what is pending itself, a direct write in progress included, for at most
/// <see cref="GipcOptions.ExitFlushTimeout"/>; what it cannot deliver, and any earlier loss nobody was told of (a
/// broken pipe met by the flusher), is raised by <c>Green.Run</c> as <see cref="GipcUndeliveredException"/>. So every
/// accepted message is delivered or reported, whether the writer was disposed with <c>using</c>, with
/// <c>await using</c>, or not at all.
/// </para>
/// </remarks>
internal sealed class FrameWriter : PendingOutput
{
    public const int DirectThreshold = 64 * 1024;
    private const int MaxVectors = 64;

    private readonly SafeFdHandle _fd;
    private readonly GipcOptions _options;

    // Windows: the I/O core's write operation the flusher sends through (a completion port has no "try, then wait
    // until writable"), and the length of the chunk it is sending, which stays pending until the port reports it.
    private IOOperation? _writeOperation;
    private int _sendingChunk;
    private long? _exitStarted; // Windows: when the exit flush first asked this writer to write
    private readonly PendingBuffer _pending = new();

    // Woken by a put; the flusher clears it before each pass.
    private GreenEvent _dataReady = new();

    // Set while nothing is pending and no direct write runs; flushes and direct puts wait on it.
    private GreenEvent _idle = new(set: true);

    // Set while the pending bytes are under the limit; puts wait on it.
    private GreenEvent _belowLimit = new(set: true);

    private Greenlet? _flusher;

    // The hub the writer sends from: the hub of the first put (a writer, like a primitive, belongs to one hub).
    private Hub? _hub;

    // The header of the direct write in progress (one at a time: _direct), reused rather than allocated per put.
    private readonly byte[] _directHeader = new byte[FrameHeader.Size];

    // The direct write in progress: its payload (the caller's memory) and how much of header + payload is written.
    // Kept in fields, not only in the put's locals, so that a hub ending mid-write can finish the frame (WriteAtExit).
    private ReadOnlyMemory<byte> _directPayload;
    private long _directSent;

    // The hub switch during which this writer last wrote at once (see Committed).
    private long _immediateSwitch = -1;
    private bool _direct;        // a put is writing a large frame itself: the flusher must not interleave
    private Exception? _failure; // the pipe broke: every later put raises this
    private GipcUndeliveredException? _unreportedLoss; // accepted bytes dropped by a failure no call has raised yet
    private volatile Lifecycle _state;

    /// <summary>
    /// Where the writer is in its life. Open → Closing (Dispose/Close called: puts are refused, the flusher writes what
    /// was accepted, then closes) → Closed (the descriptor released, nothing pending). Abort and failures jump to
    /// Closed. A failure (<c>_failure</c>) is recorded beside the state: a broken pipe leaves the writer Open until it
    /// is closed, and every later put raises the failure.
    /// </summary>
    private enum Lifecycle
    {
        Open,
        Closing,
        Closed,
    }

    public FrameWriter(SafeFdHandle fd, GipcOptions options)
    {
        _fd = fd;
        _options = options;
    }

    public SafeFdHandle Handle => _fd;

    public bool IsClosed => _state != Lifecycle.Open;

    public GipcOptions Options => _options;

    /// <summary>
    /// Refuses a hand-over to a child while frames are unsent (they would be lost) or once closed; shared by every
    /// handle that writes.
    /// </summary>
    public void EnsureTransferable(string what)
    {
        AssertInvariants();
        if (!_pending.IsEmpty || _direct)
        {
            throw new GipcException($"This gipc {what} still has messages waiting to be written; they would be lost in the hand-over. Await FlushAsync() before passing it to StartProcess.");
        }

        if (IsClosed)
        {
            throw new GipcClosedException($"This gipc {what} is closed: it cannot be passed to a child.");
        }
    }

    /// <summary>
    /// Whether large payloads are written from the caller's memory (Unix). On Windows every frame goes through the buffer
    /// and the flusher: a completion-port write cannot be taken back half-way, so an interrupted direct put could not
    /// know which of its bytes had left (it costs one copy of a large payload there).
    /// </summary>
    private static bool DirectWrites => !OperatingSystem.IsWindows();

    /// <summary>Accepts one frame. Synchronous unless the buffer is over its limit or the payload goes direct.</summary>
    public ValueTask PutAsync<T>(IGipcCodec<T> codec, T value, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        BindHub(); // before anything is accepted: the flusher that sends frames is a greenlet on this thread's hub

        if (!_belowLimit.IsSet || (!_idle.IsSet && DirectWrites && codec is IDirectPayload<T>))
        {
            return PutSlowAsync(codec, value, timeout, cancellationToken);
        }

        if (DirectWrites && codec is IDirectPayload<T> direct && direct.GetPayload(value) is { Length: >= DirectThreshold } payload)
        {
            return PutDirectAsync(payload, Deadline.Start(timeout), cancellationToken);
        }

        Deadline.Validate(timeout, nameof(timeout)); // a put that does not wait reads no clock
        Append(codec, value);
        return default;
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private async ValueTask PutSlowAsync<T>(IGipcCodec<T> codec, T value, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Deadline deadline = Deadline.Start(timeout);
        while (!_belowLimit.IsSet)
        {
            await WaitEvent(_belowLimit, deadline, cancellationToken);
            ThrowIfUnusable();
        }

        if (DirectWrites && codec is IDirectPayload<T> direct && direct.GetPayload(value) is { Length: >= DirectThreshold } payload)
        {
            await PutDirectAsync(payload, deadline, cancellationToken);
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
            IpcMetrics.Sent(payload);
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
        // Windows: the flusher sends (a write that went pending could not be left behind by a put that returns at once).
        if (writeNow && DirectWrites && !_dataReady.IsSet && !_direct && _immediateSwitch != hub.SwitchCount)
        {
            _immediateSwitch = hub.SwitchCount;
            long written;
            try
            {
                written = WritePending(); // EPIPE raises here, to this put
            }
            catch (IOException e)
            {
                Fail(e, raisedToCaller: true);
                throw;
            }
            catch (ObjectDisposedException)
            {
                var closed = new GipcClosedException("The gipc writer was closed.");
                Fail(closed, raisedToCaller: true);
                throw closed;
            }

            _pending.Consume(written);
            if (_pending.IsEmpty)
            {
                return;
            }
        }

        _idle.Clear();
        hub.AddPendingOutput(this);
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

    /// <summary>
    /// Binds the writer to the calling thread's hub at its first put (see <see cref="HandleHub"/>). The events belong to
    /// the hub that sends (a GreenEvent is bound to one hub, DESIGN §6): made afresh for it. Nothing is pending at that
    /// point (first put, or the previous hub wrote out everything at its exit).
    /// </summary>
    private void BindHub()
    {
        if (HandleHub.Bind(ref _hub, "PutAsync", "writer"))
        {
            _flusher = null;
            _dataReady = new GreenEvent();
            _idle = new GreenEvent(set: true);
            _belowLimit = new GreenEvent(set: true);
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private async ValueTask PutDirectAsync(ReadOnlyMemory<byte> payload, Deadline deadline, CancellationToken cancellationToken)
    {
        if (payload.Length > _options.MaxFrameSize)
        {
            throw new GipcException($"The message is {payload.Length} bytes, more than GipcOptions.MaxFrameSize ({_options.MaxFrameSize}). Raise the limit on both ends or send it in parts.");
        }

        while (!_idle.IsSet)
        {
            await WaitEvent(_idle, deadline, cancellationToken); // nothing committed yet: safe to give up
            ThrowIfUnusable();
        }

        _direct = true;
        _directPayload = payload;
        _directSent = 0;
        IpcMetrics.Sent(payload.Length);
        _idle.Clear();
        _hub!.AddPendingOutput(this);
        FrameHeader.Write(_directHeader, payload.Length);
        long total = FrameHeader.Size + payload.Length;
        try
        {
            while (true)
            {
                _directSent += WriteDirect(_directHeader, payload.Span, _directSent);
                if (_directSent == total)
                {
                    break;
                }

                await Green.WaitWriteAsync(_fd, deadline.Remaining, cancellationToken);
            }
        }
        catch (Exception e) when (_direct && _directSent > 0 && _directSent < total && e is not IOException)
        {
            // Interrupted half-way (timeout, kill, cancellation): the frame is committed, and finished by the flusher.
            MoveDirectRestToPending();
            throw;
        }
        catch (IOException e) when (_direct)
        {
            Fail(e, raisedToCaller: true);
            throw;
        }
        finally
        {
            if (_direct)
            {
                _direct = false;
                _directPayload = default;
                if (_pending.IsEmpty)
                {
                    _idle.Set();
                    _hub.RemovePendingOutput(this);
                }
                else
                {
                    Committed(writeNow: false); // from a finally: leave the writing (and its errors) to the flusher
                }
            }
        }
    }

    /// <summary>
    /// The unsent rest of the direct write goes in front of whatever was queued meanwhile (nothing of that was written:
    /// the flusher waits for direct writes), so that the frame is completed from the buffer; the caller may reuse its
    /// memory from then on.
    /// </summary>
    private void MoveDirectRestToPending()
    {
        long sent = _directSent;
        int payloadSent = (int)Math.Max(0, sent - FrameHeader.Size);
        _pending.Prepend(_directPayload.Span.Slice(payloadSent));
        if (sent < FrameHeader.Size)
        {
            _pending.Prepend(_directHeader.AsSpan((int)sent));
        }

        _directPayload = default;
        _direct = false;
    }

    /// <summary>One writev of the unsent part of header + payload; returns the bytes written (0 when the pipe is full).</summary>
    [SkipLocalsInit] // the vectors are filled before use: no need to clear them first
    private unsafe long WriteDirect(byte[] header, ReadOnlySpan<byte> payload, long sent)
    {
        IOSegment* vectors = stackalloc IOSegment[2];
        fixed (byte* h = header)
        fixed (byte* p = payload)
        {
            int n = 0;
            if (sent < FrameHeader.Size)
            {
                vectors[n++] = new IOSegment(h + sent, (int)(FrameHeader.Size - sent));
            }

            long payloadSent = Math.Max(0, sent - FrameHeader.Size);
            vectors[n++] = new IOSegment(p + payloadSent, (int)(payload.Length - payloadSent));
            return Writev(new ReadOnlySpan<IOSegment>(vectors, n));
        }
    }

    /// <summary>Waits until everything accepted so far has been written.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    public async ValueTask FlushAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        AssertInvariants();
        Deadline deadline = Deadline.Start(timeout);
        while (!_idle.IsSet)
        {
            ThrowIfFailed();
            await WaitEvent(_idle, deadline, cancellationToken);
        }

        ThrowIfFailed();
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            await _dataReady.WaitAsync();
            _dataReady.Clear();
            AssertInvariants();
            while (!_pending.IsEmpty && !_direct)
            {
                long written;
                if (!DirectWrites)
                {
                    if (!await SendFirstChunkAsync())
                    {
                        return;
                    }

                    continue;
                }

                try
                {
                    written = WritePending();
                }
                catch (IOException e)
                {
                    Fail(e, raisedToCaller: false);
                    return;
                }
                catch (ObjectDisposedException)
                {
                    Fail(new GipcClosedException("The gipc writer was closed while frames were pending."), raisedToCaller: false);
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
                        Fail(new GipcClosedException("The gipc writer was closed while frames were pending."), raisedToCaller: false);
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
                _hub!.RemovePendingOutput(this);
                if (!_belowLimit.IsSet)
                {
                    _belowLimit.Set();
                }

                if (_state == Lifecycle.Closing)
                {
                    CloseNow();
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Windows: sends the first pending chunk through the completion port and consumes it once the port has reported it
    /// whole. False when the writer failed (the failure is recorded).
    /// </summary>
    private async Task<bool> SendFirstChunkAsync()
    {
        ReadOnlyMemory<byte> chunk = _pending.First();
        _sendingChunk = chunk.Length;
        try
        {
            await (_writeOperation ??= IOOperation.Create(_fd, isRead: false, "this gipc writer")).WriteAsync(chunk, CancellationToken.None);
        }
        catch (NativeIOException e) when (FdIO.IsPeerGone(e))
        {
            _sendingChunk = 0;
            Fail(new IOException("The reading end of the gipc pipe is closed: the peer exited or disposed its reader. Nothing more can be sent on this handle.", e), raisedToCaller: false);
            return false;
        }
        catch (IOException e)
        {
            _sendingChunk = 0;
            Fail(e, raisedToCaller: false);
            return false;
        }
        catch (ObjectDisposedException)
        {
            _sendingChunk = 0;
            Fail(new GipcClosedException("The gipc writer was closed while frames were pending."), raisedToCaller: false);
            return false;
        }

        _sendingChunk = 0;
        _pending.Consume(chunk.Length);
        if (_pending.Length < _options.WriteBufferLimit / 2 && !_belowLimit.IsSet)
        {
            _belowLimit.Set();
        }

        return true;
    }

    [SkipLocalsInit] // Gather fills the vectors it hands to writev; clearing 1 KiB of them on every write is waste
    private unsafe long WritePending()
    {
        IOSegment* vectors = stackalloc IOSegment[MaxVectors];
        int n = _pending.Gather(new Span<IOSegment>(vectors, MaxVectors));
        return Writev(new ReadOnlySpan<IOSegment>(vectors, n));
    }

    /// <summary>One gathered write through the I/O core; 0 when the pipe is full; EPIPE and other errors as IOException.</summary>
    private long Writev(ReadOnlySpan<IOSegment> segments)
    {
        try
        {
            long n = FdIO.TryWrite(_fd, segments);
            return n == FdIO.NotReady ? 0 : n;
        }
        catch (NativeIOException e) when (FdIO.IsPeerGone(e))
        {
            throw new IOException("The reading end of the gipc pipe is closed (EPIPE): the peer exited or disposed its reader. Nothing more can be sent on this handle.", e);
        }
    }

    /// <summary>
    /// The pipe broke (or the fd was closed under the writer): pending frames are dropped and every later call raises.
    /// A loss that is not raised to a caller right now is kept, so that the hub reports it at exit unless a later put,
    /// flush or DisposeAsync raises the failure first.
    /// </summary>
    private void Fail(Exception e, bool raisedToCaller)
    {
        _failure ??= e;
        long lost = _pending.Length + (_direct ? FrameHeader.Size + _directPayload.Length - _directSent : 0);
        if (lost > 0 && !raisedToCaller)
        {
            _unreportedLoss ??= new GipcUndeliveredException(
                $"{lost} bytes of messages this gipc writer had accepted were never delivered: {e.Message}", lost, e);
        }

        _pending.Clear();
        _idle.Set();
        _belowLimit.Set();
        LeavePendingList();
        if (_state == Lifecycle.Closing)
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
        AssertInvariants();
        if (_state != Lifecycle.Open)
        {
            return;
        }

        if (_hub is { IsEnded: false } hub && !hub.IsHubThread)
        {
            // Disposed from another thread: the writer's state belongs to its hub, so the close runs there (and what is
            // pending is still sent, by the flusher or by the hub's exit flush).
            _state = Lifecycle.Closing;
            hub.Post(CloseOnHub);
            return;
        }

        _state = Lifecycle.Closing;
        CloseOnHub();
    }

    private void CloseOnHub()
    {
        if (_state == Lifecycle.Closed)
        {
            return;
        }

        if ((_pending.IsEmpty && !_direct) || _failure is not null || _hub is null || _hub.IsEnded)
        {
            CloseNow(); // nothing left to send (an ended hub wrote out, or reported, everything at its exit)
        }
        else if (_flusher is { IsReady: false })
        {
            if (!_dataReady.IsSet)
            {
                _dataReady.Set(); // the flusher closes once everything is written
            }
        }
        else if (_pending.IsEmpty)
        {
            // A direct write is in progress: its finally hands what is left to a flusher, which then closes.
        }
        else
        {
            _flusher = null;
            Committed(writeNow: false);
        }
    }

    /// <summary>
    /// Writes every accepted frame, then closes (DisposeAsync). Raises <see cref="GipcUndeliveredException"/> when
    /// accepted frames were dropped (the reader closed first) and no earlier call has said so; a reader that is gone
    /// with nothing left to deliver is no error.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    public async ValueTask CloseAsync()
    {
        if (!IsClosed && _hub is { } hub && ReferenceEquals(Hub.Current, hub))
        {
            while (!_idle.IsSet)
            {
                await _idle.WaitAsync();
            }
        }

        Close();
        if (_unreportedLoss is { } loss)
        {
            _unreportedLoss = null;
            LeavePendingList();
            throw loss;
        }
    }

    /// <summary>Closes now, dropping anything pending (the handle moved to a child, or the owner gave up).</summary>
    public void Abort()
    {
        _pending.Clear();
        CloseNow();
    }

    private void CloseNow()
    {
        if (_state == Lifecycle.Closed)
        {
            return;
        }

        _state = Lifecycle.Closed;
        _pending.Clear();
        LeavePendingList();
        _fd.Dispose();
        _writeOperation?.Dispose();

        // An idle flusher parks on _dataReady for ever: end it (from its own running hub; it ends by itself when it
        // closes, and an ended hub has abandoned it).
        if (_flusher is { IsReady: false } flusher && flusher.Hub is { IsEnded: false, IsHubThread: true } hub && !ReferenceEquals(hub.CurrentGreenlet, flusher))
        {
            _ = flusher.KillAsync(block: false);
        }
    }

    private void ThrowIfUnusable()
    {
        AssertInvariants();
        if (_state != Lifecycle.Open)
        {
            throw new GipcClosedException("This gipc writer is closed (disposed, or passed to a child process with Gipc.StartProcess).");
        }

        ThrowIfFailed();
    }

    /// <summary>Leaves the hub's exit list once nothing is pending, unless a loss is still to be reported there.</summary>
    private void LeavePendingList()
    {
        if (_unreportedLoss is null)
        {
            _hub?.RemovePendingOutput(this);
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            if (_unreportedLoss is not null)
            {
                _unreportedLoss = null; // the caller learns of the failure now
                LeavePendingList();
            }

            throw _failure is IOException io ? new IOException(io.Message, io.InnerException) : new GipcClosedException(_failure.Message, _failure);
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private static async ValueTask WaitEvent(GreenEvent e, Deadline deadline, CancellationToken cancellationToken)
    {
        if (!await e.WaitAsync(deadline.Remaining, cancellationToken))
        {
            throw new GreenTimeoutException(GreenTimeout.CreateExpired(deadline.Timeout!.Value, Green.Current));
        }
    }

    /// <summary>
    /// What holds between operations (checked at each entry in debug builds): the idle event says nothing is pending or
    /// being written directly; a direct write never claims more than its frame; a failure or a close leaves nothing
    /// pending (the lost bytes are counted in the loss report instead).
    /// </summary>
    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertInvariants()
    {
        if (_hub is null || !_hub.IsHubThread)
        {
            return; // the writer's state belongs to its hub thread; another thread only reads _state
        }

        System.Diagnostics.Debug.Assert(!_idle.IsSet || (_pending.IsEmpty && !_direct), "idle, yet bytes are pending or a direct write runs");
        System.Diagnostics.Debug.Assert(!_direct || _directSent <= FrameHeader.Size + _directPayload.Length, "a direct write past its frame");
        System.Diagnostics.Debug.Assert(_direct || _directPayload.IsEmpty, "a direct payload kept after its write");
        System.Diagnostics.Debug.Assert(_failure is null || _pending.IsEmpty, "bytes pending on a failed writer");
        System.Diagnostics.Debug.Assert(_state != Lifecycle.Closed || _pending.IsEmpty, "bytes pending on a closed writer");
    }

    // ---- the hub's exit flush (see PendingOutput) ----

    internal override TimeSpan ExitTimeout => _options.ExitFlushTimeout;

    internal override SafeFdHandle? WriteAtExit()
    {
        AssertInvariants();
        if (_state == Lifecycle.Closed || _failure is not null)
        {
            return null;
        }

        if (_direct)
        {
            // The put writing a large frame itself was abandoned with its greenlet: finish its frame from the buffer.
            MoveDirectRestToPending();
        }

        if (OperatingSystem.IsWindows())
        {
            return WriteAtExitWindows();
        }

        while (!_pending.IsEmpty)
        {
            long written;
            try
            {
                written = WritePending();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                Fail(e is IOException ? e : new GipcClosedException("The gipc writer's fd was closed while frames were pending.", e), raisedToCaller: false);
                return null;
            }

            if (written == 0)
            {
                return _fd; // the pipe is full: the hub waits for room
            }

            _pending.Consume(written);
        }

        _idle.Set();
        if (_state == Lifecycle.Closing)
        {
            CloseNow();
        }

        return null;
    }

    /// <summary>
    /// Windows: the flusher's write, abandoned with its greenlet, is waited for first (the handle is returned while its
    /// call is in flight, and the hub pumps its completion port); then the rest goes out in blocking writes bounded by
    /// the exit timeout, since no greenlet is left to wait.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private SafeFdHandle? WriteAtExitWindows()
    {
        if (_sendingChunk > 0 && _writeOperation is CompletionOperation sending)
        {
            if (sending.HasCallInFlight)
            {
                return _fd;
            }

            _pending.Consume(_sendingChunk - sending.AbandonedWriteRemaining);
            _sendingChunk = 0;
        }

        _exitStarted ??= System.Diagnostics.Stopwatch.GetTimestamp();
        while (!_pending.IsEmpty)
        {
            int leftMs = -1;
            if (ExitTimeout != Timeout.InfiniteTimeSpan)
            {
                TimeSpan left = ExitTimeout - System.Diagnostics.Stopwatch.GetElapsedTime(_exitStarted.Value);
                if (left <= TimeSpan.Zero)
                {
                    return _fd; // out of time: the hub abandons it
                }

                leftMs = (int)Math.Min(int.MaxValue, Math.Ceiling(left.TotalMilliseconds));
            }

            ReadOnlyMemory<byte> chunk = _pending.First();
            int written;
            try
            {
                written = FdIO.WriteBlockingWindows(_fd, chunk.Span, leftMs);
            }
            catch (NativeIOException e) when (FdIO.IsPeerGone(e))
            {
                Fail(new IOException("The reading end of the gipc pipe is closed: the peer exited or disposed its reader.", e), raisedToCaller: false);
                return null;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                Fail(e is IOException ? e : new GipcClosedException("The gipc writer's handle was closed while frames were pending.", e), raisedToCaller: false);
                return null;
            }

            _pending.Consume(written);
            if (written < chunk.Length)
            {
                return _fd; // the time ran out in the write
            }
        }

        _idle.Set();
        if (_state == Lifecycle.Closing)
        {
            CloseNow();
        }

        return null;
    }

    internal override void AbandonAtExit(TimeSpan waited)
    {
        long lost = _pending.Length;
        _unreportedLoss ??= new GipcUndeliveredException(
            $"{lost} bytes of messages this gipc writer had accepted were not delivered: the process was ending and the reader took nothing for {waited.TotalSeconds:0.###} s (GipcOptions.ExitFlushTimeout). The reader stopped reading, or waits for something this process was to do next; the rest of the last frame it got may be cut short.",
            lost,
            null);
        _failure ??= _unreportedLoss;
        _pending.Clear();
        CloseNow();
    }

    internal override Exception? TakeUnreportedLoss()
    {
        Exception? loss = _unreportedLoss;
        _unreportedLoss = null;
        return loss;
    }
}
