using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace GreenProc;

/// <summary>
/// Owns one Unix file descriptor (on Windows: one kernel handle) and closes it exactly once. Every descriptor
/// GreenProc creates is born close-on-exec (on Windows: not inheritable), so a child process started anywhere in this
/// process never inherits it by accident.
/// </summary>
/// <remarks>
/// Disposing a handle that a greenlet is waiting on (through <c>Green.WaitReadAsync</c>, a <c>GreenStream</c>, ...)
/// wakes that greenlet with an <see cref="ObjectDisposedException"/> before the descriptor is released.
/// </remarks>
[DebuggerDisplay("fd {DebugFd}, closed = {IsClosed}")]
public sealed partial class SafeFdHandle : SafeHandleMinusOneIsInvalid
{
    // The hub (at most one) that has this descriptor in its reactor; told before the descriptor is released.
    private IFdCloseObserver? _closeObserver;

    /// <summary>Creates an invalid handle (for marshalling).</summary>
    public SafeFdHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Wraps <paramref name="fd"/>.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="ownsHandle">Whether disposing this handle closes the descriptor.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public SafeFdHandle(int fd, bool ownsHandle = true)
        : base(ownsHandle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        SetHandle(fd);
    }

    /// <summary>
    /// The descriptor number (on Windows, the handle's value: kernel handles are 32-bit values even in 64-bit
    /// processes). Throws once the handle is closed, so a stale number is never used.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public int Fd
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (int)handle;
        }
    }

    private int DebugFd => (int)handle;

    /// <summary>Creates a pipe whose two ends are close-on-exec (on Windows: not inheritable).</summary>
    /// <remarks>
    /// On Windows the pipe is a named pipe with an unpredictable name, reachable by the current user only, with
    /// 64 KiB buffers each way; <paramref name="nonBlocking"/> opens both ends for overlapped I/O, which is what a
    /// hub reads and writes with (a synchronous end is what a child process's standard handles want).
    /// </remarks>
    /// <param name="readEnd">The read end.</param>
    /// <param name="writeEnd">The write end.</param>
    /// <param name="nonBlocking">Whether both ends are O_NONBLOCK (what green waits want); on Windows, overlapped.</param>
    /// <exception cref="NativeIOException">pipe2 failed (EMFILE, ...); on Windows, CreateNamedPipe or CreateFile failed.</exception>
    public static void CreatePipe(out SafeFdHandle readEnd, out SafeFdHandle writeEnd, bool nonBlocking = true)
    {
        if (OperatingSystem.IsWindows())
        {
            CreateNamedPipePair(out readEnd, out writeEnd, nonBlocking);
            return;
        }

        Interop.Pipe2(out int r, out int w, nonBlocking);
        readEnd = new SafeFdHandle(r);
        writeEnd = new SafeFdHandle(w);
    }

    /// <summary>Creates a connected pair of AF_UNIX stream sockets, both close-on-exec.</summary>
    /// <param name="first">One end.</param>
    /// <param name="second">The other end.</param>
    /// <param name="nonBlocking">Whether both ends are O_NONBLOCK.</param>
    /// <exception cref="NativeIOException">socketpair failed.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows (use <see cref="CreatePipe"/> or a loopback socket).</exception>
    public static void CreateSocketPair(out SafeFdHandle first, out SafeFdHandle second, bool nonBlocking = true)
    {
        ThrowIfWindows(nameof(CreateSocketPair));
        Interop.SocketPair(out int a, out int b, nonBlocking);
        first = new SafeFdHandle(a);
        second = new SafeFdHandle(b);
    }

    /// <summary>Sets or clears O_NONBLOCK.</summary>
    /// <param name="nonBlocking">The new mode.</param>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    /// <exception cref="NativeIOException">fcntl failed.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows, where a handle is overlapped or not from its creation.</exception>
    public void SetNonBlocking(bool nonBlocking = true)
    {
        ThrowIfWindows(nameof(SetNonBlocking));
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            Interop.SetNonBlocking((int)handle, nonBlocking);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>Whether O_NONBLOCK is set.</summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows.</exception>
    public bool IsNonBlocking()
    {
        ThrowIfWindows(nameof(IsNonBlocking));
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            return Interop.IsNonBlocking((int)handle);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>Resizes the kernel buffer of a pipe (Linux F_SETPIPE_SZ) and returns the size granted.</summary>
    /// <param name="bytes">The size wanted; the kernel rounds it up to a power-of-two number of pages.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is not positive.</exception>
    /// <exception cref="NativeIOException">The descriptor is not a pipe (EBADF) or the size is above
    /// /proc/sys/fs/pipe-max-size for an unprivileged process (EPERM).</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows, where a pipe's buffers are fixed at its creation.</exception>
    public int SetPipeSize(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        ThrowIfWindows(nameof(SetPipeSize));
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            return Interop.SetPipeSize((int)handle, bytes);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>The kernel buffer size of a pipe (Linux F_GETPIPE_SZ).</summary>
    /// <exception cref="NativeIOException">The descriptor is not a pipe.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows.</exception>
    public int GetPipeSize()
    {
        ThrowIfWindows(nameof(GetPipeSize));
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            return Interop.GetPipeSize((int)handle);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Registers the hub that must hear of this handle's disposal. Returns false when another observer is already
    /// registered (a descriptor is watched by one hub at a time).
    /// </summary>
    internal bool TrySetCloseObserver(IFdCloseObserver observer)
    {
        IFdCloseObserver? previous = Interlocked.CompareExchange(ref _closeObserver, observer, null);
        return previous is null || ReferenceEquals(previous, observer);
    }

    /// <summary>Drops <paramref name="observer"/> if it is the registered one.</summary>
    internal void ClearCloseObserver(IFdCloseObserver observer)
        => Interlocked.CompareExchange(ref _closeObserver, null, observer);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // Wake parked greenlets and leave the reactor while the descriptor is still open: a descriptor number
        // that is closed first may be reused at once by another thread, and epoll would then watch the wrong file.
        if (disposing && !IsClosed)
        {
            Interlocked.Exchange(ref _closeObserver, null)?.OnFdClosing(this);
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        if (OperatingSystem.IsWindows())
        {
            return Interop.CloseHandle(handle);
        }

        Interop.Close((int)handle);
        return true;
    }

    private static void ThrowIfWindows(string member)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException($"SafeFdHandle.{member} is a Unix descriptor call; Windows has no equivalent.");
        }
    }
}
