using System.Globalization;
using System.Runtime.Versioning;

namespace GreenProc.Subprocess.Internal;

internal sealed partial class StdioPlan
{
    /// <summary>
    /// Opens a new open file description of the pipe or FIFO behind <paramref name="fd"/> through /proc/self/fd
    /// (close-on-exec, blocking, same access mode): the child gets its own O_NONBLOCK and this process keeps its own.
    /// False when <paramref name="fd"/> is something else, or the kernel will not reopen it.
    /// </summary>
    /// <remarks>
    /// Only pipes and FIFOs: opening a socket's /proc link fails (ENXIO), reopening a regular file would start a new
    /// offset (a child writing into a file we positioned must share ours), and reopening a character device can open
    /// another instance of it (/dev/ptmx: a new pseudo-terminal) or make a terminal our controlling one. O_NONBLOCK on the open itself: a FIFO opened without it waits for a peer (fifo_open);
    /// with it a read end opens at once, and a write end with no reader is ENXIO (not reopenable then).
    /// </remarks>
    [SupportedOSPlatform("linux")]
    private static bool TryReopenBlocking(int fd, out int copy)
    {
        copy = -1;
        if (!Interop.IsPipe(fd))
        {
            return false;
        }

        int access = Interop.GetStatusFlags(fd) & Interop.O_ACCMODE;
        string path = "/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture);
        int errno = Interop.TryOpen(path, access | Interop.O_CLOEXEC | Interop.O_NONBLOCK, out copy);
        if (errno is Interop.ENXIO or Interop.ENOENT or Interop.EACCES or Interop.EPERM)
        {
            return false; // a FIFO without a reader, no /proc, a FIFO whose permissions changed since we opened it
        }

        if (errno != 0)
        {
            throw Interop.ErrnoException(errno, $"open({path})");
        }

        try
        {
            Interop.SetNonBlocking(copy, false); // this description is ours alone until the spawn: no one races us
        }
        catch
        {
            Interop.Close(copy);
            throw;
        }

        return true;
    }
}
