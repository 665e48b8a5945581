using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// A socket's readiness on Windows: an AFD poll (IOCTL_AFD_POLL) issued on the hub's AFD handle, completing through the
/// hub's port when an asked event is there, then reported to the hub as epoll reports an event. One poll at a time per
/// socket, one-shot: after it fires it is asked again only while a greenlet still waits. A wait that needs a direction
/// the pending poll does not ask for cancels it and asks again at its (cancelled) packet.
/// </summary>
/// <remarks>
/// States: idle; pending (<c>_pending</c>: the native block is the kernel's until the packet); removed (<c>_removed</c>:
/// the socket left the hub; the block is freed at the pending poll's packet, or at once if none). Hub thread only.
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed unsafe class SocketPoll : ICompletionTarget
{
    private const int ReadEvents = Interop.AFD_POLL_RECEIVE | Interop.AFD_POLL_ACCEPT | Interop.AFD_POLL_DISCONNECT;
    private const int WriteEvents = Interop.AFD_POLL_SEND | Interop.AFD_POLL_CONNECT_FAIL;
    private const int Always = Interop.AFD_POLL_ABORT | Interop.AFD_POLL_LOCAL_CLOSE | Interop.AFD_POLL_CONNECT_FAIL;
    private const int StatusPending = 0x103;

    private readonly CompletionPortReactor _port;
    private readonly FdRegistration _registration;
    private readonly nint _socket; // the base provider handle AFD knows

    // One native block: the IO_STATUS_BLOCK (which is also the packet's OVERLAPPED) then the poll's AFD_POLL_INFO.
    private NativeOverlapped* _status;
    private Interop.AfdPollInfo* _info;
    private bool _pending;
    private int _asked; // FdRegistration.Read | Write the pending poll asks for
    private bool _removed;

    public SocketPoll(CompletionPortReactor port, FdRegistration registration, nint socket)
    {
        _port = port;
        _registration = registration;
        _socket = socket;
        _status = (NativeOverlapped*)NativeMemory.AllocZeroed((nuint)(sizeof(NativeOverlapped) + sizeof(Interop.AfdPollInfo)));
        _info = (Interop.AfdPollInfo*)(_status + 1);
    }

    /// <summary>The directions waited for changed.</summary>
    public void Update()
    {
        int wanted = _registration.Wanted;
        if (_removed || wanted == 0)
        {
            return; // a poll nobody waits for any more fires once and is not asked again
        }

        if (_pending)
        {
            if ((wanted & ~_asked) != 0)
            {
                CancelCall(); // asked again, wider, at its packet
            }

            return;
        }

        Submit(wanted);
    }

    public void OnPacket(int error, int bytes)
    {
        _pending = false;
        if (_removed)
        {
            Free();
            return;
        }

        if (error == 0)
        {
            int events = _info->NumberOfHandles > 0 ? _info->Events : 0;
            bool failed = (events & Always) != 0;
            _port.Hub.OnFdReady(_registration, failed || (events & ReadEvents) != 0, failed || (events & WriteEvents) != 0);
        }
        else if (error != Interop.ERROR_OPERATION_ABORTED)
        {
            // The poll itself failed (the socket went away under it): let the waiters try their call and meet the error.
            _port.Hub.OnFdReady(_registration, true, true);
        }

        if (!_removed && _registration.Wanted != 0)
        {
            Submit(_registration.Wanted);
        }
    }

    public void CancelCall()
    {
        if (_pending)
        {
            Interop.CancelIoEx(_port.Afd, _status); // its packet still comes (as a failed completion)
        }
    }

    public void Abandon()
    {
        _status = null; // never freed: the kernel may still write it
    }

    /// <summary>The socket leaves the hub (closed, or the hub ends).</summary>
    public void Remove()
    {
        _removed = true;
        if (_pending)
        {
            CancelCall();
        }
        else
        {
            Free();
        }
    }

    private void Submit(int wanted)
    {
        Debug.Assert(!_pending && !_removed, "one poll at a time, while the socket is the hub's");
        *_status = default;
        _info->Timeout = long.MaxValue;
        _info->NumberOfHandles = 1;
        _info->Exclusive = 0;
        _info->Handle = _socket;
        _info->Events = Always
            | ((wanted & FdRegistration.Read) != 0 ? ReadEvents : 0)
            | ((wanted & FdRegistration.Write) != 0 ? WriteEvents : 0);
        _info->Status = 0;
        int status = Interop.AfdPoll(_port.Afd, _status, _info);
        if (status is not (0 or StatusPending))
        {
            throw Interop.Win32Exception(Interop.RtlNtStatusToDosError(status), $"IOCTL_AFD_POLL(socket 0x{_socket:X})");
        }

        // Also when it completed at once: the AFD handle has no skip-on-success mode, so its packet is queued anyway.
        _pending = true;
        _asked = wanted;
        _port.Started(_status, this);
    }

    private void Free()
    {
        if (_status is not null)
        {
            NativeMemory.Free(_status);
            _status = null;
            _info = null;
        }
    }
}
