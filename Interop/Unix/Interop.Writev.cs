using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>writev(2); the handle is referenced for the call. The count written, or -1 with errno.</summary>
    [LibraryImport(Libc, EntryPoint = "writev", SetLastError = true)]
    internal static unsafe partial nint Writev(SafeHandle fd, IOVector* vectors, int count);
}
