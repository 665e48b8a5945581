using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nint count);
}
