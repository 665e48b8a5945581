using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int HANDLE_FLAG_INHERIT = 1;

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool SetHandleInformation(SafeHandle handle, int mask, int flags);
}
