using System.Runtime.InteropServices;
using System.Threading;

namespace GreenProc;

internal static partial class Interop
{
    // The handle travels as its SafeHandle, so the stub holds a reference for the call (as read(2) on Unix).
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool ReadFile(SafeHandle handle, byte* buffer, int count, int* read, NativeOverlapped* overlapped);
}
