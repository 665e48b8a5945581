using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int DUPLICATE_SAME_ACCESS = 0x2;

    /// <summary>The pseudo-handle of this process (not closed).</summary>
    internal const nint CurrentProcess = -1;

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool DuplicateHandle(
        nint sourceProcess, nint sourceHandle, nint targetProcess, out nint targetHandle, int desiredAccess, [MarshalAs(UnmanagedType.Bool)] bool inheritHandle, int options);
}
