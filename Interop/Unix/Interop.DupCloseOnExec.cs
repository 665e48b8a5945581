using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int F_DUPFD_CLOEXEC = 1030;

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlInt(int fd, int command, int argument);

    /// <summary>fcntl(F_DUPFD_CLOEXEC): a close-on-exec copy of <paramref name="fd"/> numbered at least <paramref name="lowest"/>.</summary>
    internal static int DupCloseOnExec(int fd, int lowest)
    {
        int copy = FcntlInt(fd, F_DUPFD_CLOEXEC, lowest);
        if (copy < 0)
        {
            throw ErrnoException(LastErrno, $"fcntl(fd {fd}, F_DUPFD_CLOEXEC, {lowest})");
        }

        return copy;
    }
}
