using System.Runtime.InteropServices;
using System.Threading;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>Cancels the overlapped call <paramref name="overlapped"/> on <paramref name="handle"/>; its packet still comes. A raw
    /// handle: the call in flight holds a reference on it, and its SafeHandle may already be disposed (not yet released).</summary>
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool CancelIoEx(nint handle, NativeOverlapped* overlapped);
}
