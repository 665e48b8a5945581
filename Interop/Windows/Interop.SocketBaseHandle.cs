using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int SIO_BASE_HANDLE = 0x48000022;

    /// <summary>
    /// The base provider handle of <paramref name="socket"/> (what AFD knows; a layered provider may wrap it), or 0 when
    /// the handle is not a socket (a pipe, a file).
    /// </summary>
    internal static unsafe nint SocketBaseHandle(nint socket)
    {
        // getsockopt(SO_TYPE) first: it fails with WSAENOTSOCK on a pipe or file, where Wine's SIO_BASE_HANDLE does not.
        const int SOL_SOCKET = 0xffff, SO_TYPE = 0x1008;
        int type;
        int length = sizeof(int);
        if (getsockopt(socket, SOL_SOCKET, SO_TYPE, &type, &length) != 0)
        {
            return 0;
        }

        nint result;
        int returned;
        return WSAIoctl(socket, SIO_BASE_HANDLE, null, 0, &result, sizeof(nint), &returned, 0, 0) == 0 ? result : socket;
    }

    [LibraryImport("ws2_32.dll", SetLastError = true)]
    private static unsafe partial int getsockopt(nint socket, int level, int name, void* value, int* length);

    [LibraryImport("ws2_32.dll", SetLastError = true)]
    private static unsafe partial int WSAIoctl(nint socket, int code, void* input, int inputLength, void* output, int outputLength, int* returned, nint overlapped, nint completion);
}
