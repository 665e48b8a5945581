using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>pipe2(O_CLOEXEC [| O_NONBLOCK]): both ends are close-on-exec from birth.</summary>
    internal static unsafe void Pipe2(out int readFd, out int writeFd, bool nonBlocking)
    {
        int* fds = stackalloc int[2];
        int flags = O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0);
        if (Pipe2Core(fds, flags) != 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), "pipe2");
        }

        readFd = fds[0];
        writeFd = fds[1];
    }

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2Core(int* fds, int flags);
}
