using System.Runtime.InteropServices;
using System.Threading;

namespace GreenProc;

internal static partial class Interop
{
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool WriteFile(SafeHandle handle, byte* buffer, int count, int* written, NativeOverlapped* overlapped);
}
