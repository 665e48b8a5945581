using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "readv", SetLastError = true)]
    internal static unsafe partial nint Readv(int fd, IOVector* vectors, int count);
}
