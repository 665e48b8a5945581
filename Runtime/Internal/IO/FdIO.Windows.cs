using System;
using System.Runtime.Versioning;
using System.Threading;

namespace GreenProc.Internal;

// Windows: the blocking forms, for a handle opened either way. An overlapped handle (possibly associated with a hub's
// completion port) is given an OVERLAPPED whose event has its low bit set, which keeps the call's end out of the port,
// and the thread waits on that event; a synchronous handle ignores the OVERLAPPED's wait and blocks in the call.
internal static partial class FdIO
{
    // One event per thread for the synchronous calls: created once, never signalled by a port (its low bit is set in
    // the OVERLAPPED), reset by each call.
    [ThreadStatic]
    private static nint t_event;

    /// <summary>
    /// Windows: one non-blocking read of a pipe into <paramref name="first"/> then <paramref name="second"/>: the bytes
    /// the pipe holds (PeekNamedPipe), read at once; <see cref="NotReady"/> when it holds none; 0 once the writer is gone
    /// and everything is read. The readiness half is a zero-byte read (<see cref="IOOperation.WaitReadableAsync"/>).
    /// </summary>
    [SupportedOSPlatform("windows")]
    private static unsafe int TryReadWindows(SafeFdHandle handle, Span<byte> first, Span<byte> second)
    {
        int available;
        if (!Interop.PeekNamedPipe(handle, null, 0, null, &available, null))
        {
            int error = Interop.LastWin32Error;
            if (error is Interop.ERROR_BROKEN_PIPE or Interop.ERROR_PIPE_NOT_CONNECTED or Interop.ERROR_HANDLE_EOF)
            {
                return 0;
            }

            throw Interop.Win32Exception(error, $"PeekNamedPipe(handle 0x{handle.DangerousGetHandle():X})");
        }

        if (available == 0)
        {
            return NotReady;
        }

        int total = ReadAvailable(handle, first, available);
        if (total == first.Length && total < available)
        {
            total += ReadAvailable(handle, second, available - total);
        }

        return total;
    }

    [SupportedOSPlatform("windows")]
    private static unsafe int ReadAvailable(SafeFdHandle handle, Span<byte> part, int available)
    {
        int want = Math.Min(part.Length, available);
        if (want <= 0)
        {
            return 0;
        }

        fixed (byte* p = part)
        {
            int n = Blocking(handle, p, want, isRead: true, out int error, Timeout.Infinite); // the data is there: at once
            if (error != 0 && error is not Interop.ERROR_MORE_DATA)
            {
                throw Interop.Win32Exception(error, $"ReadFile(handle 0x{handle.DangerousGetHandle():X})");
            }

            return n;
        }
    }

    /// <summary>
    /// Windows: writes all of <paramref name="data"/>, blocking the thread for at most <paramref name="timeoutMs"/>
    /// (-1: no limit); returns the bytes written, fewer than asked when the time ran out (the call is then cancelled).
    /// For the exit flush, which has no hub left to wait on.
    /// </summary>
    [SupportedOSPlatform("windows")]
    public static unsafe int WriteBlockingWindows(SafeFdHandle handle, ReadOnlySpan<byte> data, int timeoutMs)
    {
        fixed (byte* start = data)
        {
            int n = Blocking(handle, start, data.Length, isRead: false, out int error, timeoutMs);
            if (error is not (0 or Interop.ERROR_OPERATION_ABORTED))
            {
                throw Interop.Win32Exception(error, $"WriteFile(handle 0x{handle.DangerousGetHandle():X})");
            }

            return n;
        }
    }

    [SupportedOSPlatform("windows")]
    private static unsafe int ReadBlockingWindows(SafeFdHandle handle, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            int n = Blocking(handle, p, buffer.Length, isRead: true, out int error, Timeout.Infinite);
            return error switch
            {
                0 => n,
                Interop.ERROR_BROKEN_PIPE or Interop.ERROR_HANDLE_EOF or Interop.ERROR_PIPE_NOT_CONNECTED => 0,
                Interop.ERROR_MORE_DATA => buffer.Length,
                _ => throw Interop.Win32Exception(error, $"ReadFile(handle 0x{handle.DangerousGetHandle():X})"),
            };
        }
    }

    [SupportedOSPlatform("windows")]
    private static unsafe void WriteAllBlockingWindows(SafeFdHandle handle, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                int n = Blocking(handle, start + done, data.Length - done, isRead: false, out int error, Timeout.Infinite);
                if (error != 0)
                {
                    throw Interop.Win32Exception(error, $"WriteFile(handle 0x{handle.DangerousGetHandle():X})");
                }

                done += n;
            }
        }
    }

    [SupportedOSPlatform("windows")]
    private static unsafe int Blocking(SafeFdHandle handle, byte* buffer, int count, bool isRead, out int error, int timeoutMs)
    {
        nint ev = t_event;
        if (ev == 0)
        {
            ev = Interop.CreateEvent(0, manualReset: true, initialState: false, 0);
            if (ev == 0)
            {
                throw Interop.Win32Exception(Interop.LastWin32Error, "CreateEvent");
            }

            t_event = ev; // one per thread, for its life
        }

        bool added = false;
        handle.DangerousAddRef(ref added); // ObjectDisposedException once closed; held for the cancellation below
        try
        {
            return BlockingCall(handle, buffer, count, isRead, out error, timeoutMs, ev);
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    [SupportedOSPlatform("windows")]
    private static unsafe int BlockingCall(SafeFdHandle handle, byte* buffer, int count, bool isRead, out int error, int timeoutMs, nint ev)
    {
        NativeOverlapped overlapped = default;
        overlapped.EventHandle = ev | 1; // the low bit: no completion packet for this call
        bool done = isRead
            ? Interop.ReadFile(handle, buffer, count, null, &overlapped)
            : Interop.WriteFile(handle, buffer, count, null, &overlapped);
        error = done ? 0 : Interop.LastWin32Error;
        if (done)
        {
            return (int)overlapped.InternalHigh;
        }

        if (error != Interop.ERROR_IO_PENDING)
        {
            return 0;
        }


        if (timeoutMs != Timeout.Infinite && Interop.WaitForSingleObjectRaw(ev, timeoutMs) != Interop.WAIT_OBJECT_0)
        {
            // Out of time: cancel, then wait for the call to end (the OVERLAPPED lives on this stack until it has).
            Interop.CancelIoEx(handle.DangerousGetHandle(), &overlapped);
        }

        // Waits on the event (an overlapped handle) or returns at once (a synchronous one: the call is over).
        done = Interop.GetOverlappedResult(handle, &overlapped, out int transferred, wait: true);
        error = done ? 0 : Interop.LastWin32Error;
        return transferred;
    }
}
