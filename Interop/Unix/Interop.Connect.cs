using System;
using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int SockaddrSize = 16; // sizeof(struct sockaddr)

    /// <summary>
    /// connect(2) to an address of family AF_UNSPEC, which dissolves a socket's association: "thereafter, the socket
    /// can be connected to another address" (connect(2), Linux since 2.2). A TCP socket whose non-blocking connect failed
    /// is otherwise stuck: Linux answers the next connect with ECONNABORTED. .NET does the same call internally, but
    /// offers no public form of it. Returns 0, or the errno.
    /// </summary>
    internal static unsafe int DissolveConnection(SafeHandle socket)
    {
        byte* address = stackalloc byte[SockaddrSize];
        new Span<byte>(address, SockaddrSize).Clear(); // sa_family = AF_UNSPEC (0)
        return ConnectCore(socket, address, SockaddrSize) == 0 ? 0 : LastErrno;
    }

    [LibraryImport(Libc, EntryPoint = "connect", SetLastError = true)]
    private static unsafe partial int ConnectCore(SafeHandle fd, byte* address, int length);
}
