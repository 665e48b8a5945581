using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    // Bound here rather than through Tmds.LibC: its runtime-generated stub reported a stale errno (203 instead of
    // EAGAIN) for the first call in a process on .NET 10, and EAGAIN on the first read is the common case.
    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nint count);
}
