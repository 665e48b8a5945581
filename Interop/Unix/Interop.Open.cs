using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    // The access modes are the same on every Unix; O_CLOEXEC and O_NONBLOCK are in Interop.Fcntl.cs.
    internal const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
    internal const int ENXIO = 6;

    /// <summary>
    /// open(2) without O_CREAT: 0 and the new descriptor, or the errno (the caller decides which failures are an
    /// answer rather than an error). Retries EINTR (a FIFO open can be interrupted while it waits).
    /// </summary>
    internal static int TryOpen(string path, int flags, out int fd)
    {
        while (true)
        {
            fd = OpenCore(path, flags, 0);
            if (fd >= 0)
            {
                return 0;
            }

            int errno = LastErrno;
            if (errno != EINTR)
            {
                return errno;
            }
        }
    }

    // open is variadic; its mode argument (unused without O_CREAT) is passed like a fixed int on x86-64 and arm64,
    // as fcntl's argument is.
    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenCore(string path, int flags, int mode);
}
