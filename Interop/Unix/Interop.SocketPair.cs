using System.Runtime.InteropServices;
using Tmds.Linux;

namespace GreenProc;

internal static partial class Interop
{
    private const int AF_UNIX = 1;

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC [| SOCK_NONBLOCK]).</summary>
    internal static unsafe void SocketPair(out int fd0, out int fd1, bool nonBlocking)
    {
        int* fds = stackalloc int[2];
        int type = LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0);
        if (LibC.socketpair(AF_UNIX, type, 0, fds) != 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), "socketpair(AF_UNIX)");
        }

        fd0 = fds[0];
        fd1 = fds[1];
    }
}
