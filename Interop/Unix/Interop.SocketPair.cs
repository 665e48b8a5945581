using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = O_CLOEXEC, SOCK_NONBLOCK = O_NONBLOCK;

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC [| SOCK_NONBLOCK]).</summary>
    internal static unsafe void SocketPair(out int fd0, out int fd1, bool nonBlocking)
    {
        int* fds = stackalloc int[2];
        int type = SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
        if (SocketPairCore(AF_UNIX, type, 0, fds) != 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), "socketpair(AF_UNIX)");
        }

        fd0 = fds[0];
        fd1 = fds[1];
    }

    [LibraryImport(Libc, EntryPoint = "socketpair", SetLastError = true)]
    private static unsafe partial int SocketPairCore(int domain, int type, int protocol, int* fds);
}
