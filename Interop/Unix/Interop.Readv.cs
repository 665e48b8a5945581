using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>readv(2); the handle is referenced for the call. The count, 0 at end of stream, or -1 with errno.</summary>
    [LibraryImport(Libc, EntryPoint = "readv", SetLastError = true)]
    internal static unsafe partial nint Readv(SafeHandle fd, IOVector* vectors, int count);
}
