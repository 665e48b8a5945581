using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>
    /// close(2). Never retried on EINTR: on Linux the descriptor is released even when close reports EINTR, and
    /// a retry could close a descriptor another thread has just been given.
    /// </summary>
    internal static void Close(int fd) => CloseCore(fd);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int CloseCore(int fd);
}
