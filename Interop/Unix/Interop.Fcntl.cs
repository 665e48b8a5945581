using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    // Linux's values on x86-64 and arm64 (the flag bits differ only on alpha, sparc, mips, parisc).
    internal const int O_APPEND = 0x400, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    private const int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1;

    /// <summary>Sets or clears O_NONBLOCK with F_GETFL/F_SETFL.</summary>
    internal static void SetNonBlocking(int fd, bool nonBlocking)
    {
        int flags = Fcntl(fd, F_GETFL, 0);
        if (flags < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETFL)");
        }

        int wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (wanted != flags && Fcntl(fd, F_SETFL, wanted) < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_SETFL)");
        }
    }

    /// <summary>Sets O_APPEND (F_GETFL/F_SETFL): every write of the description then goes to the end of the file.</summary>
    internal static void SetAppend(int fd)
    {
        int flags = GetStatusFlags(fd);
        if ((flags & O_APPEND) == 0 && Fcntl(fd, F_SETFL, flags | O_APPEND) < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_SETFL, O_APPEND)");
        }
    }

    /// <summary>Whether O_NONBLOCK is set.</summary>
    internal static bool IsNonBlocking(int fd) => (GetStatusFlags(fd) & O_NONBLOCK) != 0;

    /// <summary>The access mode and status flags of the open file description (F_GETFL).</summary>
    internal static int GetStatusFlags(int fd)
    {
        int flags = Fcntl(fd, F_GETFL, 0);
        if (flags < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETFL)");
        }

        return flags;
    }

    /// <summary>Whether <paramref name="fd"/> is a pipe or a FIFO (Linux: F_GETPIPE_SZ answers only for those).</summary>
    internal static bool IsPipe(int fd) => Fcntl(fd, F_GETPIPE_SZ, 0) >= 0;

    /// <summary>F_SETPIPE_SZ (Linux): returns the size the kernel granted (rounded up to a page power of two).</summary>
    internal static int SetPipeSize(int fd, int size)
    {
        int granted = Fcntl(fd, F_SETPIPE_SZ, size);
        if (granted < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_SETPIPE_SZ, {size})");
        }

        return granted;
    }

    /// <summary>F_GETPIPE_SZ (Linux).</summary>
    internal static int GetPipeSize(int fd)
    {
        int size = Fcntl(fd, F_GETPIPE_SZ, 0);
        if (size < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETPIPE_SZ)");
        }

        return size;
    }

    /// <summary>Whether FD_CLOEXEC is set (F_GETFD).</summary>
    internal static bool IsCloseOnExec(int fd)
    {
        int flags = Fcntl(fd, F_GETFD, 0);
        if (flags < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_GETFD)");
        }

        return (flags & FD_CLOEXEC) != 0;
    }

    /// <summary>Sets or clears FD_CLOEXEC (F_SETFD).</summary>
    internal static void SetCloseOnExec(int fd, bool closeOnExec)
    {
        if (Fcntl(fd, F_SETFD, closeOnExec ? FD_CLOEXEC : 0) < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"fcntl(fd {fd}, F_SETFD)");
        }
    }

    // fcntl is variadic; its one optional argument is an int for every command used here, which the x86-64 and
    // arm64 Linux calling conventions pass like a fixed one.
    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);
}
