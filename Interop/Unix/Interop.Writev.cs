using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "writev", SetLastError = true)]
    internal static unsafe partial nint Writev(int fd, IOVector* vectors, int count);
}
