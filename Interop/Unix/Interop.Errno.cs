using System.Runtime.InteropServices;

namespace GreenProc;

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
