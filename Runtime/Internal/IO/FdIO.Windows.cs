using System;
using System.Runtime.Versioning;
using System.Threading;

namespace GreenProc.Internal;

// Windows: the blocking forms, for a handle opened either way. An overlapped handle (possibly associated with a hub's
// completion port) is given an OVERLAPPED whose event has its low bit set, which keeps the call's end out of the port,
// and the thread waits on that event; a synchronous handle ignores the OVERLAPPED's wait and blocks in the call.
internal static partial class FdIO
{
    [SupportedOSPlatform("windows")]
    private static unsafe int ReadBlockingWindows(SafeFdHandle handle, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            int n = Blocking(handle, p, buffer.Length, isRead: true, out int error);
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
                int n = Blocking(handle, start + done, data.Length - done, isRead: false, out int error);
                if (error != 0)
                {
                    throw Interop.Win32Exception(error, $"WriteFile(handle 0x{handle.DangerousGetHandle():X})");
                }

                done += n;
            }
        }
    }

    [SupportedOSPlatform("windows")]
    private static unsafe int Blocking(SafeFdHandle handle, byte* buffer, int count, bool isRead, out int error)
    {
        nint ev = Interop.CreateEvent(0, manualReset: true, initialState: false, 0);
        if (ev == 0)
        {
            throw Interop.Win32Exception(Interop.LastWin32Error, "CreateEvent");
        }

        try
        {
            NativeOverlapped overlapped = default;
            overlapped.EventHandle = ev | 1; // the low bit: no completion packet for this call
            bool done = isRead
                ? Interop.ReadFile(handle, buffer, count, null, &overlapped)
                : Interop.WriteFile(handle, buffer, count, null, &overlapped);
            error = done ? 0 : Interop.LastWin32Error;
            if (error == Interop.ERROR_IO_PENDING || done)
            {
                // GetOverlappedResult waits on the event (an overlapped handle) or returns at once (the call is over).
                done = Interop.GetOverlappedResult(handle, &overlapped, out int transferred, wait: true);
                error = done ? 0 : Interop.LastWin32Error;
                return transferred;
            }

            return 0;
        }
        finally
        {
            Interop.CloseHandle(ev);
        }
    }
}
