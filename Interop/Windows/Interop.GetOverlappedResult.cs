using System.Runtime.InteropServices;
using System.Threading;

namespace GreenProc;

internal static partial class Interop
{
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool GetOverlappedResult(SafeHandle handle, NativeOverlapped* overlapped, out int transferred, [MarshalAs(UnmanagedType.Bool)] bool wait);
}
