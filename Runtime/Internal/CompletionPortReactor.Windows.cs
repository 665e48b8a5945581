using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// The Windows reactor: one I/O completion port per hub. Overlapped reads and writes (<see cref="CompletionOperation"/>)
/// report their end to it, and other threads wake the hub by posting a packet to it.
/// </summary>
/// <remarks>
/// <para>The port is drained with GetQueuedCompletionStatusEx, up to 128 packets per call: under Wine one call served
/// 32–128 pipes' packets (../shared/WINE.md §4.2), where a thread per completion (.NET's ThreadPoolBoundHandle) cost
/// about 6× per round trip.</para>
/// <para>A call in flight owns its OVERLAPPED, its pinned buffer and a reference on its handle until its packet comes, so
/// the port keeps every operation with a call in flight reachable (<see cref="_inFlight"/>), and disposing the reactor
/// cancels them and waits for their packets before the port closes.</para>
/// <para>Readiness exists for sockets only: a socket waited on gets an AFD poll (<see cref="SocketPoll"/>) that completes
/// through the same port; a pipe or file waited on is refused (<see cref="Update"/>).</para>
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed unsafe class CompletionPortReactor : IReactor
{
    private const int MaxEntries = 128;
    private const nuint WakeKey = 1;

    // How long disposal waits for the packets of cancelled calls; a cancelled pipe read reports at once, so this bounds
    // only a driver that ignores cancellation, whose memory is then leaked rather than freed under it.
    private static readonly TimeSpan s_shutdownDrain = TimeSpan.FromSeconds(2);

    private readonly SafeFdHandle _port;
    private readonly Interop.OverlappedEntry* _entries;

    // Calls in flight (operations' reads and writes, sockets' polls), by their OVERLAPPED: how a packet finds its
    // target, and what keeps the target alive.
    private readonly Dictionary<nint, ICompletionTarget> _inFlight = new();

    // A handle on the AFD driver that sockets' readiness polls are issued on (opened at the first socket wait).
    private nint _afd;

    // 1 while a wake packet is queued and not yet taken: posters coalesce on it (one packet per blocking, not per post).
    private int _wakeQueued;
    private bool _disposed;

    public CompletionPortReactor(Hub hub)
    {
        Hub = hub;
        nint port = Interop.CreateIoCompletionPort(-1, 0, 0, 1);
        if (port == 0)
        {
            throw Interop.Win32Exception(Interop.LastWin32Error, "CreateIoCompletionPort");
        }

        _port = SafeFdHandle.FromWindowsHandle(port);
        _entries = (Interop.OverlappedEntry*)NativeMemory.Alloc((nuint)(MaxEntries * sizeof(Interop.OverlappedEntry)));
    }

    /// <summary>The hub this port serves.</summary>
    public Hub Hub { get; }

    /// <summary>
    /// Associates <paramref name="handle"/> with the port and asks that a call succeeding at once queue no packet.
    /// Returns whether that request took (when not, every call's end comes through the port).
    /// </summary>
    public bool Bind(SafeFdHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Interop.CreateIoCompletionPort(handle.DangerousGetHandle(), _port.DangerousGetHandle(), 0, 0) == 0)
            {
                int error = Interop.LastWin32Error;
                throw error == Interop.ERROR_INVALID_PARAMETER
                    ? new InvalidOperationException(
                        $"Handle 0x{handle.DangerousGetHandle():X} is already bound to another completion port (another hub's, or .NET's thread pool's through a FileStream or PipeStream). A Windows handle belongs to one port for life: use it from one hub only, and do not also wrap it in a .NET stream.",
                        Interop.Win32Exception(error, "CreateIoCompletionPort"))
                    : Interop.Win32Exception(error, "CreateIoCompletionPort");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return Interop.SetFileCompletionNotificationModes(
            handle, Interop.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | Interop.FILE_SKIP_SET_EVENT_ON_HANDLE);
    }

    /// <summary>A call of <paramref name="target"/> is in flight on <paramref name="overlapped"/>.</summary>
    public void Started(NativeOverlapped* overlapped, ICompletionTarget target)
    {
        Debug.Assert(!_disposed, "no call starts once the hub has ended");
        _inFlight.Add((nint)overlapped, target);
    }

    /// <summary>The AFD handle sockets' polls are issued on, opened and associated with the port at first use.</summary>
    public nint Afd
    {
        get
        {
            if (_afd == 0)
            {
                int status = Interop.OpenAfd(out nint afd);
                if (status != 0)
                {
                    throw Interop.Win32Exception(Interop.RtlNtStatusToDosError(status), @"NtCreateFile(\Device\Afd)");
                }

                if (Interop.CreateIoCompletionPort(afd, _port.DangerousGetHandle(), 0, 0) == 0)
                {
                    int error = Interop.LastWin32Error;
                    Interop.CloseHandle(afd);
                    throw Interop.Win32Exception(error, "CreateIoCompletionPort(AFD)");
                }

                _afd = afd;
            }

            return _afd;
        }
    }

    /// <summary>
    /// A readiness wait changed: a socket gets (or widens) its AFD poll. Handles read and written through the port
    /// (<see cref="FdRegistration.BoundToPort"/>) have nothing to arm: their operations start their own calls.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The handle is not a socket (a pipe or a file has no readiness).</exception>
    public void Update(FdRegistration registration)
    {
        if (registration.BoundToPort || registration.Wanted == 0 && registration.PlatformState is null)
        {
            return;
        }

        if (registration.PlatformState is not SocketPoll poll)
        {
            nint baseSocket = Interop.SocketBaseHandle(registration.Fd);
            if (baseSocket == 0)
            {
                throw new PlatformNotSupportedException(
                    $"Handle 0x{registration.Fd:X} is not a socket: Windows can wait for a socket to become readable or writable, not a pipe or a file. Read and write a pipe through a GreenStream instead of waiting on it.");
            }

            registration.PlatformState = poll = new SocketPoll(this, registration, baseSocket);
        }

        poll.Update();
    }

    public void Remove(FdRegistration registration)
    {
        // A socket's pending poll is cancelled (its memory goes at its packet). A port-bound handle's operations cancel
        // their own calls when their waiters wake with the close.
        if (registration.PlatformState is SocketPoll poll)
        {
            poll.Remove();
            registration.PlatformState = null;
        }
    }

    public void Wait(int timeoutMs)
    {
        uint ms = timeoutMs < 0 ? uint.MaxValue /* INFINITE */ : (uint)timeoutMs;
        if (!Interop.GetQueuedCompletionStatusEx(_port, _entries, MaxEntries, out uint removed, ms, alertable: false))
        {
            int error = Interop.LastWin32Error;
            if (error == Interop.WAIT_TIMEOUT)
            {
                return;
            }

            throw Interop.Win32Exception(error, "GetQueuedCompletionStatusEx");
        }

        Dispatch(removed);
    }

    public void Wake()
    {
        if (Interlocked.Exchange(ref _wakeQueued, 1) == 1)
        {
            return; // a wake packet is already queued
        }

        try
        {
            if (!Interop.PostQueuedCompletionStatus(_port, 0, WakeKey, null))
            {
                Volatile.Write(ref _wakeQueued, 0);
            }
        }
        catch (ObjectDisposedException)
        {
            // The hub has ended; nobody is left to wake.
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DrainAtShutdown();
        if (_afd != 0)
        {
            Interop.CloseHandle(_afd);
        }

        _port.Dispose();
        NativeMemory.Free(_entries);
    }

    private void Dispatch(uint removed)
    {
        for (int i = 0; i < removed; i++)
        {
            ref Interop.OverlappedEntry entry = ref _entries[i];
            if (entry.Overlapped is null)
            {
                if (entry.CompletionKey == WakeKey)
                {
                    // Taken before the inbox is drained (the loop drains it after this returns), so a post that finds
                    // the flag still set is seen by that drain.
                    Volatile.Write(ref _wakeQueued, 0);
                }

                continue;
            }

            if (_inFlight.Remove((nint)entry.Overlapped, out ICompletionTarget? operation))
            {
                int status = (int)entry.Overlapped->InternalLow;
                int error = status == 0 ? 0 : Interop.RtlNtStatusToDosError(status);
                operation.OnPacket(error, (int)entry.BytesTransferred);
            }
        }
    }

    private void DrainAtShutdown()
    {
        if (_inFlight.Count == 0)
        {
            return;
        }

        // Greenlets still parked in a read or write when main ended are abandoned, but their calls hold memory, pinned
        // buffers and handle references: cancel them and take their packets.
        foreach (ICompletionTarget operation in new List<ICompletionTarget>(_inFlight.Values))
        {
            operation.CancelCall();
        }

        Deadline deadline = Deadline.Start(s_shutdownDrain);
        while (_inFlight.Count > 0)
        {
            if (deadline.HasPassed)
            {
                // Leak what a driver never reported, rather than free memory the kernel may still write.
                foreach (ICompletionTarget operation in _inFlight.Values)
                {
                    operation.Abandon();
                }

                return;
            }

            uint left = (uint)Math.Ceiling(deadline.Remaining!.Value.TotalMilliseconds);
            if (Interop.GetQueuedCompletionStatusEx(_port, _entries, MaxEntries, out uint removed, left, alertable: false))
            {
                Dispatch(removed);
            }
        }
    }
}
