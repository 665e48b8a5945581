using System.Runtime.InteropServices;
using Tmds.Linux;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>Sets or clears O_NONBLOCK with F_GETFL/F_SETFL.</summary>
    internal static void SetNonBlocking(int fd, bool nonBlocking)
    {
        int flags = LibC.fcntl(fd, LibC.F_GETFL);
        if (flags < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETFL)");
        }

        int wanted = nonBlocking ? flags | LibC.O_NONBLOCK : flags & ~LibC.O_NONBLOCK;
        if (wanted != flags && LibC.fcntl(fd, LibC.F_SETFL, wanted) < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_SETFL)");
        }
    }

    /// <summary>Whether O_NONBLOCK is set.</summary>
    internal static bool IsNonBlocking(int fd)
    {
        int flags = LibC.fcntl(fd, LibC.F_GETFL);
        if (flags < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETFL)");
        }

        return (flags & LibC.O_NONBLOCK) != 0;
    }

    /// <summary>F_SETPIPE_SZ (Linux): returns the size the kernel granted (rounded up to a page power of two).</summary>
    internal static int SetPipeSize(int fd, int size)
    {
        int granted = LibC.fcntl(fd, LibC.F_SETPIPE_SZ, size);
        if (granted < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_SETPIPE_SZ, {size})");
        }

        return granted;
    }

    /// <summary>F_GETPIPE_SZ (Linux).</summary>
    internal static int GetPipeSize(int fd)
    {
        const int F_GETPIPE_SZ = 1032;
        int size = LibC.fcntl(fd, F_GETPIPE_SZ);
        if (size < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETPIPE_SZ)");
        }

        return size;
    }

    /// <summary>Whether FD_CLOEXEC is set (F_GETFD).</summary>
    internal static bool IsCloseOnExec(int fd)
    {
        const int F_GETFD = 1, FD_CLOEXEC = 1;
        int flags = LibC.fcntl(fd, F_GETFD);
        if (flags < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETFD)");
        }

        return (flags & FD_CLOEXEC) != 0;
    }
}
