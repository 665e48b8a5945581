using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const byte FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 1;
    internal const byte FILE_SKIP_SET_EVENT_ON_HANDLE = 2;

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool SetFileCompletionNotificationModes(SafeHandle handle, byte flags);
}
