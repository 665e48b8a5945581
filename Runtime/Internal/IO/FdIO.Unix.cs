using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace GreenProc.Internal;

/// <summary>
/// The I/O core's one family of descriptor calls: read, readv, write and writev with one convention, used by every
/// layer (GreenStream, the gipc framing, the child bootstrap, Popen's pipes) instead of calls of their own.
/// </summary>
/// <remarks>
/// <para>The convention. The non-blocking forms (<c>Try*</c>) return the bytes moved (0 from a read: end of stream),
/// or <see cref="NotReady"/> when the descriptor would block (EAGAIN); EINTR is retried; any other errno becomes a
/// <see cref="NativeIOException"/> naming the call; a closed handle raises <see cref="ObjectDisposedException"/>. The
/// blocking forms (<see cref="Read"/>, <see cref="WriteAll"/>) work on blocking and non-blocking descriptors alike
/// (on "not ready" they wait in poll(2), blocking the thread) and raise the same exceptions.</para>
/// <para>The handle travels to the native call as a <see cref="SafeHandle"/>: the marshaller holds a reference for the
/// call, so a dispose on another thread cannot let the number be reused under it. The non-blocking forms and the blocking
/// single-descriptor forms allocate nothing.</para>
/// <para>Which layer waits how: these calls are the readiness half of the platform seam (see <see cref="IOOperation"/>);
/// a greenlet that got <see cref="NotReady"/> parks on its hub (<c>Green.WaitReadAsync</c>/<c>WaitWriteAsync</c>) and
/// tries again.</para>
/// </remarks>
internal static partial class FdIO
{
    /// <summary>What a non-blocking call returns when the descriptor is not ready (EAGAIN).</summary>
    public const int NotReady = -1;

    /// <summary>One non-blocking read(2).</summary>
    public static unsafe int TryRead(SafeFdHandle handle, Span<byte> buffer)
    {
        if (OperatingSystem.IsWindows())
        {
            return TryReadWindows(handle, buffer, default);
        }

        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Interop.Read(handle, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Failed(Interop.LastErrno, handle, "read"))
                {
                    return NotReady;
                }
            }
        }
    }

    /// <summary>
    /// One non-blocking read into <paramref name="first"/>, what does not fit going on into <paramref name="second"/>:
    /// one readv(2) (a plain read(2) when <paramref name="second"/> is empty). Returns the total.
    /// </summary>
    public static unsafe int TryRead(SafeFdHandle handle, Span<byte> first, Span<byte> second)
    {
        if (OperatingSystem.IsWindows())
        {
            return TryReadWindows(handle, first, second);
        }

        if (second.IsEmpty)
        {
            return TryRead(handle, first);
        }

        fixed (byte* p0 = first)
        fixed (byte* p1 = second)
        {
            Interop.IOVector* vectors = stackalloc Interop.IOVector[2];
            vectors[0] = new Interop.IOVector { Base = p0, Count = (nuint)first.Length };
            vectors[1] = new Interop.IOVector { Base = p1, Count = (nuint)second.Length };
            while (true)
            {
                nint n = Interop.Readv(handle, vectors, 2);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Failed(Interop.LastErrno, handle, "readv"))
                {
                    return NotReady;
                }
            }
        }
    }

    /// <summary>One non-blocking write(2).</summary>
    public static unsafe int TryWrite(SafeFdHandle handle, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Interop.Write(handle, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Failed(Interop.LastErrno, handle, "write"))
                {
                    return NotReady;
                }
            }
        }
    }

    /// <summary>
    /// One non-blocking gathered write of <paramref name="segments"/> (pinned memory): writev(2), or write(2) for a
    /// single segment, which the kernel serves with less work than a one-vector writev (the small-frame
    /// request/response case). Returns the bytes written.
    /// </summary>
    public static unsafe long TryWrite(SafeFdHandle handle, ReadOnlySpan<IOSegment> segments)
    {
        Debug.Assert(sizeof(IOSegment) == sizeof(Interop.IOVector), "IOSegment must keep struct iovec's layout");
        if (segments.Length == 1)
        {
            return TryWrite(handle, segments[0].AsSpan());
        }

        fixed (IOSegment* vectors = segments)
        {
            while (true)
            {
                nint n = Interop.Writev(handle, (Interop.IOVector*)vectors, segments.Length);
                if (n >= 0)
                {
                    return n;
                }

                if (Failed(Interop.LastErrno, handle, "writev"))
                {
                    return NotReady;
                }
            }
        }
    }

    /// <summary>
    /// A blocking read: at least one byte, or 0 at end of stream. A non-blocking descriptor is waited for in poll(2),
    /// blocking the thread (the synchronous <see cref="Stream"/> methods, a child's bootstrap).
    /// </summary>
    public static int Read(SafeFdHandle handle, Span<byte> buffer)
    {
        if (OperatingSystem.IsWindows())
        {
            return ReadBlockingWindows(handle, buffer);
        }

        while (true)
        {
            int n = TryRead(handle, buffer);
            if (n != NotReady)
            {
                return n;
            }

            WaitBlocking(handle, Interop.POLLIN);
        }
    }

    /// <summary>Writes all of <paramref name="data"/>, blocking the thread while the descriptor is full.</summary>
    public static void WriteAll(SafeFdHandle handle, ReadOnlySpan<byte> data)
    {
        if (OperatingSystem.IsWindows())
        {
            WriteAllBlockingWindows(handle, data);
            return;
        }

        while (!data.IsEmpty)
        {
            int n = TryWrite(handle, data);
            if (n == NotReady)
            {
                WaitBlocking(handle, Interop.POLLOUT);
                continue;
            }

            data = data.Slice(n);
        }
    }

    /// <summary>Reads to end of stream, blocking (a child's bootstrap record, an outcome pipe).</summary>
    public static byte[] ReadToEnd(SafeFdHandle handle)
    {
        using var data = new MemoryStream();
        Span<byte> buffer = stackalloc byte[16384];
        int n;
        while ((n = Read(handle, buffer)) > 0)
        {
            data.Write(buffer.Slice(0, n));
        }

        return data.ToArray();
    }

    /// <summary>Whether <paramref name="error"/> says the other end is gone (EPIPE, ECONNRESET) rather than a fault here.</summary>
    public static bool IsPeerGone(NativeIOException error)
        => OperatingSystem.IsWindows()
            ? error.Errno is Interop.ERROR_NO_DATA or Interop.ERROR_BROKEN_PIPE
            : error.Errno is Interop.EPIPE or Interop.ECONNRESET;

    /// <summary>Sets or clears FD_CLOEXEC: whether a process started later inherits the descriptor.</summary>
    public static void SetCloseOnExec(SafeFdHandle handle, bool closeOnExec)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (OperatingSystem.IsWindows())
            {
                // Windows: "close-on-exec" is "not inheritable" (a handle is inherited only when listed anyway).
                if (!Interop.SetHandleInformation(handle, Interop.HANDLE_FLAG_INHERIT, closeOnExec ? 0 : Interop.HANDLE_FLAG_INHERIT))
                {
                    throw Interop.Win32Exception(Interop.LastWin32Error, "SetHandleInformation");
                }

                return;
            }

            Interop.SetCloseOnExec((int)handle.DangerousGetHandle(), closeOnExec);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The same for a descriptor number not yet owned by a handle (one a child received from its parent by number).
    /// </summary>
    public static void SetCloseOnExec(int fd, bool closeOnExec) => Interop.SetCloseOnExec(fd, closeOnExec);

    /// <summary>
    /// Blocks the thread until one of <paramref name="handles"/> is readable (or, with <paramref name="forWrite"/>, has
    /// room), reports an error or hang-up, the timeout passes (<paramref name="timeoutMs"/>, -1: none), or a signal
    /// interrupts the wait: callers loop, act, and come back with what is left of their timeout. A handle closed in
    /// the meantime ends the wait at once, so the caller sees the closure. For threads that wait on several
    /// descriptors outside any hub: the hub's exit flush (its writers), the orphan reaper (its pidfds).
    /// </summary>
    public static void WaitAny(List<SafeFdHandle> handles, bool forWrite, int timeoutMs)
    {
        var fds = new Interop.PollFd[handles.Count];
        var added = new bool[handles.Count];
        try
        {
            for (int i = 0; i < handles.Count; i++)
            {
                try
                {
                    handles[i].DangerousAddRef(ref added[i]); // held across poll, as in WaitBlocking
                    fds[i] = new Interop.PollFd { Fd = (int)handles[i].DangerousGetHandle(), Events = forWrite ? Interop.POLLOUT : Interop.POLLIN };
                }
                catch (ObjectDisposedException)
                {
                    fds[i] = new Interop.PollFd { Fd = -1 }; // poll skips it
                    timeoutMs = 0;
                }
            }

            Interop.Poll(fds, timeoutMs);
        }
        finally
        {
            for (int i = 0; i < handles.Count; i++)
            {
                if (added[i])
                {
                    handles[i].DangerousRelease();
                }
            }
        }
    }

    /// <summary>
    /// Blocks the thread until <paramref name="handle"/> is ready for <paramref name="events"/> (or reports an error or
    /// hang-up, which the next call then reports).
    /// </summary>
    private static unsafe void WaitBlocking(SafeFdHandle handle, short events)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added); // held across poll: the number must not be reused while it waits
            Interop.PollFd fd = new() { Fd = (int)handle.DangerousGetHandle(), Events = events };
            while (Interop.Poll(new Span<Interop.PollFd>(&fd, 1), -1) < 0)
            {
                int errno = Interop.LastErrno;
                if (errno != Interop.EINTR)
                {
                    throw Interop.ErrnoException(errno, $"poll(fd {fd.Fd})");
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The errno step of the convention, read once right after the call: true for EAGAIN (not ready), false for EINTR
    /// (try again); any other errno is thrown.
    /// </summary>
    private static bool Failed(int errno, SafeFdHandle handle, string call)
    {
        if (errno == Interop.EAGAIN)
        {
            return true;
        }

        if (errno == Interop.EINTR)
        {
            return false;
        }

        throw Interop.ErrnoException(errno, $"{call}(fd {(handle.IsClosed ? -1 : (int)handle.DangerousGetHandle())})");
    }
}
