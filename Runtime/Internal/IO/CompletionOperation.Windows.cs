using System;
using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Internal;

/// <summary>
/// The completion implementation of <see cref="IOOperation"/> (Windows): overlapped ReadFile/WriteFile on a handle
/// associated with the hub's completion port, which reports each call's end.
/// </summary>
/// <remarks>
/// <para><b>A read is the caller's read.</b> It completes at once when data (or end of stream) is there; otherwise it
/// stays pending with the caller's buffer pinned until the writer writes. A kill, timeout, cancellation or close that
/// ends the wait cancels it; should data win that race, the data is returned and the interruption kept for the
/// greenlet's next wait (<c>Greenlet.KeepInterruption</c>), so nothing read is ever lost. (A first version waited with
/// a zero-byte read and then read: one more call per message, which cost 1.45× a bare overlapped loop's round trip
/// under Wine against 1.13× pinned; see docs/BENCHMARKS.md.) <see cref="WaitReadableAsync"/> is the zero-byte read, for
/// readers that read by themselves (the gipc framing).</para>
/// <para><b>The caller's task ends only when no call is in flight.</b> An interrupted wait cancels its call (CancelIoEx)
/// and the caller's <see cref="ValueTask"/> completes with the interruption once the port has reported the call: until
/// then the kernel owns the OVERLAPPED, the pinned buffer and a reference on the handle (which keeps a disposed handle
/// open until the call is over). This is what .NET's own Windows streams do, and it means a new call never finds one
/// in flight.</para>
/// <para><b>States</b>, besides the base class's: idle; a call in flight with the greenlet parked on the hub
/// (<c>_inFlight</c>, <c>_parked</c>); a call in flight after an interruption (<c>_inFlight</c>, <c>_interruption</c>
/// set, not parked); reported, continuation queued. <see cref="AssertInvariants"/> checks them in debug builds.</para>
/// <para>Only the hub thread touches an operation; the port's packets are dispatched there.</para>
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed unsafe class CompletionOperation : IOOperation, ICompletionTarget
{
    private static readonly Action<object?> s_finishInterrupted = static s => ((CompletionOperation)s!).FinishInterrupted();

    // A zero-byte read still passes a valid buffer address; nothing is ever written to it.
    private static readonly byte* s_zeroByteBuffer = (byte*)NativeMemory.AllocZeroed(1);

    private readonly Action _onWaitEnded;

    private NativeOverlapped* _overlapped; // this operation's one OVERLAPPED, reused; the kernel's while a call is in flight
    private Hub? _hub;
    private FdRegistration? _registration;

    private bool _inFlight; // a call is outstanding: the OVERLAPPED, _pin and a handle reference belong to it
    private bool _zeroByteRead; // the call in flight (or last reported) is a readiness wait's zero-byte read
    private bool _parked; // the caller's greenlet is parked on the hub until the packet comes
    private bool _disposed; // the owner is done with it: free the OVERLAPPED once no call is in flight
    private MemoryHandle _pin; // the caller's buffer, pinned for the call in flight
    private bool _handleReferenced; // the reference on the handle the call in flight holds

    // The last packet: the Win32 error (0 for success) and the bytes moved.
    private int _packetError;
    private int _packetBytes;

    // The caller's request, kept from its first call to its end.
    private Memory<byte> _readBuffer;
    private ReadOnlyMemory<byte> _writeBuffer;
    private CancellationToken _cancellationToken;
    private TimeSpan? _timeout;
    private bool _readinessOnly; // WaitReadableAsync: the zero-byte read is the whole request
    private Greenlet? _owner;
    private Waiter? _waiter;

    // Why the caller's wait ended while its call was in flight; it is raised once the packet has come.
    private Exception? _interruption;

    public CompletionOperation(SafeFdHandle handle, bool isRead, string what)
        : base(handle, isRead, what)
    {
        _onWaitEnded = OnWaitEnded;
        _overlapped = (NativeOverlapped*)NativeMemory.AllocZeroed((nuint)sizeof(NativeOverlapped));
    }

    ~CompletionOperation()
    {
        // Unreachable, so no call is in flight (the port keeps an operation with one reachable).
        NativeMemory.Free(_overlapped);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfBusy(); // before a call of ours could collide with the pending one's OVERLAPPED
        Hub.ValidateTimeout(timeout, nameof(timeout));
        if (buffer.IsEmpty)
        {
            return new ValueTask<int>(0); // as read(2) with a count of 0: nothing to wait for
        }

        Bind();
        _readBuffer = buffer;
        int n = IssueRead(zeroBytes: false);
        if (n != Pending)
        {
            _readBuffer = default;
            return new ValueTask<int>(n);
        }

        Begin();
        _timeout = timeout;
        _cancellationToken = cancellationToken;
        Park();
        return PendingRead;
    }

    public override ValueTask WaitReadableAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfBusy();
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Bind();
        if (IssueRead(zeroBytes: true) != Pending)
        {
            return default; // data, or end of stream, is there now
        }

        Begin();
        _readinessOnly = true;
        _timeout = timeout;
        _cancellationToken = cancellationToken;
        Park();
        return PendingVoid;
    }

    /// <summary>Whether a call is in flight (the writer's exit flush waits for it by pumping the port).</summary>
    public bool HasCallInFlight => _inFlight;

    /// <summary>
    /// For a write abandoned with its greenlet (the hub ended), once its call has been reported: the bytes of the request
    /// that were never written. The request's caller is gone, so this is the only way to know where it stopped.
    /// </summary>
    public int AbandonedWriteRemaining
    {
        get
        {
            Debug.Assert(!IsRead && !_inFlight, "asked of a write whose last call has been reported");
            return _packetError != 0 ? _writeBuffer.Length : _writeBuffer.Length - _packetBytes;
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfBusy();
        if (buffer.IsEmpty)
        {
            return default;
        }

        Bind();
        _writeBuffer = buffer;
        while (!_writeBuffer.IsEmpty)
        {
            int n = IssueWrite();
            if (n == Pending)
            {
                Begin();
                _cancellationToken = cancellationToken;
                Park();
                return PendingVoid;
            }

            _writeBuffer = _writeBuffer.Slice(n);
        }

        _writeBuffer = default;
        return default;
    }

    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_inFlight)
        {
            FreeOverlapped();
        }
    }

    protected override void Reset()
    {
        _readBuffer = default;
        _writeBuffer = default;
        _cancellationToken = default;
        _timeout = null;
        _readinessOnly = false;
        _owner = null;
        AssertInvariants();
    }

    /// <summary>The port reported the call in flight. Called by the reactor, on the hub thread.</summary>
    public void OnPacket(int error, int bytes)
    {
        Debug.Assert(_inFlight, "a packet comes only for a call in flight");
        _inFlight = false;
        _packetError = error;
        _packetBytes = bytes;
        ReleaseCall();
        if (_parked)
        {
            // Wakes the caller's greenlet (OnWaitEnded goes on). If an interruption woke it first, its OnWaitEnded is
            // already queued and finishes with the interruption, this packet having come.
            _parked = false;
            _hub!.OnFdReady(_registration!, readable: IsRead, writable: !IsRead);
        }
        else if (_interruption is not null)
        {
            // The caller's greenlet was interrupted and has been waiting for this packet: finish in its turn.
            _hub!.Enqueue(new WorkItem(s_finishInterrupted, this, _owner));
        }

        if (_disposed)
        {
            FreeOverlapped(); // whatever runs next sees _disposed before it would touch the OVERLAPPED
        }

        AssertInvariants();
    }

    /// <summary>At the hub's end, when the port never reported this call: leave its memory to the kernel.</summary>
    public void Abandon() => GC.SuppressFinalize(this);

    /// <summary>Cancels the call in flight; its packet still comes (the hub's end uses this).</summary>
    public void CancelCall()
    {
        if (_inFlight)
        {
            // The handle is still open: the call holds a reference on it. ERROR_NOT_FOUND: it is completing anyway.
            Interop.CancelIoEx(Handle.DangerousGetHandle(), _overlapped);
        }
    }

    private const int Pending = -1;

    private void Bind()
    {
        Hub hub = Hub.RequireCurrent();
        ObjectDisposedException.ThrowIf(Handle.IsClosed, Handle);
        if (_registration is null || !ReferenceEquals(_hub, hub) || !ReferenceEquals(hub.LookupFd((int)Handle.DangerousGetHandle()), _registration))
        {
            _registration = hub.RegisterForCompletion(Handle);
            _hub = hub;
        }
    }

    /// <summary>One ReadFile: the bytes read (0 at end of stream), or <see cref="Pending"/> with the call in flight.</summary>
    private int IssueRead(bool zeroBytes)
    {
        _zeroByteRead = zeroBytes;
        byte* buffer = s_zeroByteBuffer;
        int count = 0;
        if (!zeroBytes)
        {
            _pin = _readBuffer.Pin();
            buffer = (byte*)_pin.Pointer;
            count = _readBuffer.Length;
        }

        return Issue(buffer, count);
    }

    /// <summary>One WriteFile: the bytes written, or <see cref="Pending"/> with the call in flight.</summary>
    private int IssueWrite()
    {
        _pin = _writeBuffer.Pin();
        return Issue((byte*)_pin.Pointer, _writeBuffer.Length);
    }

    private int Issue(byte* buffer, int count)
    {
        Debug.Assert(!_inFlight, "one call in flight per operation");
        bool added = false;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // its OVERLAPPED may be gone
            Handle.DangerousAddRef(ref added); // ObjectDisposedException once the handle is closed
        }
        catch
        {
            _pin.Dispose();
            _pin = default;
            throw;
        }

        *_overlapped = default;
        _handleReferenced = true;
        bool done = IsRead
            ? Interop.ReadFile(Handle, buffer, count, null, _overlapped)
            : Interop.WriteFile(Handle, buffer, count, null, _overlapped);
        int error = done ? 0 : Interop.LastWin32Error;
        if ((done && !_registration!.SkipsPortOnSuccess) || error == Interop.ERROR_IO_PENDING)
        {
            _inFlight = true;
            _hub!.CompletionPort!.Started(_overlapped, this);
            return Pending;
        }

        ReleaseCall();
        if (done)
        {
            return (int)_overlapped->InternalHigh;
        }

        return Outcome(error, count);
    }

    /// <summary>What a failed call means: end of stream for a read whose writer is gone, else an exception.</summary>
    private int Outcome(int error, int count)
    {
        if (IsRead && error is Interop.ERROR_BROKEN_PIPE or Interop.ERROR_HANDLE_EOF or Interop.ERROR_PIPE_NOT_CONNECTED)
        {
            return 0;
        }

        if (error == Interop.ERROR_MORE_DATA)
        {
            return count; // a message-mode pipe's message goes on in the next read
        }

        string call = IsRead ? "ReadFile" : "WriteFile";
        throw Interop.Win32Exception(error, $"{call}(handle 0x{Handle.DangerousGetHandle():X})");
    }

    private void ReleaseCall()
    {
        _pin.Dispose();
        _pin = default;
        if (_handleReferenced)
        {
            _handleReferenced = false;
            Handle.DangerousRelease();
        }
    }

    private void Park()
    {
        _owner = _hub!.CurrentGreenlet;
        try
        {
            _waiter = _hub.ParkForCompletion(_registration!, IsRead ? FdRegistration.Read : FdRegistration.Write, _timeout, _cancellationToken, IsRead ? "a read" : "a write");
        }
        catch (Exception e)
        {
            // Not in a greenlet, or a kill or timeout was waiting for this switch point.
            Interrupted(e);
            return;
        }

        _parked = true;
        AssertInvariants();
        ValueTask wait = _waiter.AsValueTask();
        ValueTaskAwaiter awaiter = wait.GetAwaiter();
        if (awaiter.IsCompleted)
        {
            OnWaitEnded(); // the token was already cancelled
        }
        else
        {
            awaiter.UnsafeOnCompleted(_onWaitEnded);
        }
    }

    private void OnWaitEnded()
    {
        Waiter waiter = _waiter!;
        _waiter = null;
        _parked = false; // already, when the packet woke it
        try
        {
            new ValueTask(waiter, waiter.Version).GetAwaiter().GetResult(); // raises a kill, timeout, cancellation or close
        }
        catch (Exception e)
        {
            Interrupted(e);
            return;
        }

        Continue();
    }

    private void Interrupted(Exception e)
    {
        _interruption = e;
        if (_inFlight)
        {
            CancelCall(); // OnPacket finishes
            return;
        }

        FinishInterrupted(); // the packet came in the same turn as the interruption
    }

    private void FinishInterrupted()
    {
        Exception e = _interruption!;
        _interruption = null;
        if (IsRead && !_zeroByteRead && _packetError == 0 && _packetBytes > 0)
        {
            // The data won the race against the cancellation: deliver it; the greenlet hears of the interruption next.
            _owner?.KeepInterruption(e);
            Complete(_packetBytes, null);
            return;
        }

        Complete(0, e);
    }

    /// <summary>After a packet that ended a parked wait: the next step of the caller's request.</summary>
    private void Continue()
    {
        try
        {
            if (_readinessOnly)
            {
                // A wait for data: the packet says it is there, or the writer is gone (end of stream for the next read).
                if (_packetError is not (0 or Interop.ERROR_BROKEN_PIPE or Interop.ERROR_HANDLE_EOF or Interop.ERROR_PIPE_NOT_CONNECTED or Interop.ERROR_MORE_DATA))
                {
                    Outcome(_packetError, 0); // raises
                }

                Complete(0, null);
                return;
            }

            if (_packetError != 0)
            {
                Complete(Outcome(_packetError, IsRead ? _readBuffer.Length : _writeBuffer.Length), null);
                return;
            }

            if (IsRead)
            {
                Complete(_packetBytes, null);
                return;
            }

            _writeBuffer = _writeBuffer.Slice(_packetBytes);
            while (!_writeBuffer.IsEmpty)
            {
                int n = IssueWrite();
                if (n == Pending)
                {
                    Park();
                    return;
                }

                _writeBuffer = _writeBuffer.Slice(n);
            }

            Complete(0, null);
        }
        catch (Exception e)
        {
            Complete(0, e);
        }
    }

    private void FreeOverlapped()
    {
        if (_overlapped is not null)
        {
            NativeMemory.Free(_overlapped);
            _overlapped = null;
            GC.SuppressFinalize(this);
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(!_parked || _inFlight, "a parked caller waits for a call in flight");
        Debug.Assert(!(_parked && _interruption is not null), "an interrupted caller is no longer parked");
        Debug.Assert(_inFlight || !_handleReferenced, "only a call in flight holds a handle reference");
    }
}
