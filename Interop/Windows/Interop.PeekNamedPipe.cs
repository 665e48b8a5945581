using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>The bytes a pipe holds for its reader, without reading them.</summary>
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool PeekNamedPipe(SafeHandle pipe, byte* buffer, int size, int* read, int* available, int* leftThisMessage);
}
