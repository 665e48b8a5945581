using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>write(2); the handle is referenced for the call. The count written, or -1 with errno.</summary>
    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(SafeHandle fd, byte* buffer, nint count);
}
