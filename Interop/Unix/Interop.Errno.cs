using System.Runtime.InteropServices;

namespace GreenProc;

/// <summary>
/// The native layer's errno conventions, three and no more (issue 13 found five):
/// <list type="bullet">
/// <item><description>a plain binding returns what libc returns (-1 on failure) and the caller reads
/// <see cref="LastErrno"/> right after it, once (read, write, poll, epoll_wait, kill, waitid, ...);</description></item>
/// <item><description>a call whose POSIX form returns the error number returns it (posix_spawn and its helpers), and
/// so does epoll_ctl, whose one caller branches on the errno;</description></item>
/// <item><description>a helper that creates a descriptor or sets a descriptor's flags throws
/// <see cref="NativeIOException"/>: failing there is exceptional (EMFILE, EBADF).</description></item>
/// </list>
/// Above this layer the runtime's I/O core (<c>FdIO</c>) gives read/write one convention of its own for every caller.
/// </summary>
internal static partial class Interop
{
    // errno values we branch on. They are the Linux numbers; the portable reactor only compares against
    // values it read through the same libc, and Linux is the platform the suite runs on.
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int ECHILD = 10;
    internal const int EAGAIN = 11;
    internal const int EACCES = 13;
    internal const int EEXIST = 17;
    internal const int EINVAL = 22;
    internal const int EMFILE = 24;
    internal const int EPIPE = 32;
    internal const int ENOSYS = 38;
    internal const int ECONNRESET = 104;

    /// <summary>
    /// errno of the last P/Invoke declared with SetLastError. Read it once, right after the call: anything the
    /// runtime does in between (a GC transition, another P/Invoke) may change it.
    /// </summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>Turns an errno into the exception GreenProc documents for native failures.</summary>
    internal static NativeIOException ErrnoException(int errno, string operation)
        => new(errno, operation);
}
