using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = O_NONBLOCK;

    /// <summary>eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK).</summary>
    internal static int EventFd()
    {
        int fd = EventFdCore(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), "eventfd");
        }

        return fd;
    }

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFdCore(uint initval, int flags);
}
