using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    // Win32 error codes we branch on (winerror.h). A Windows binding returns BOOL/HANDLE and the caller reads
    // Marshal.GetLastPInvokeError() once, right after the call, as on Unix.
    internal const int ERROR_FILE_NOT_FOUND = 2;
    internal const int ERROR_ACCESS_DENIED = 5;
    internal const int ERROR_INVALID_HANDLE = 6;
    internal const int ERROR_HANDLE_EOF = 38;
    internal const int ERROR_INVALID_PARAMETER = 87;
    internal const int ERROR_BROKEN_PIPE = 109;
    internal const int ERROR_NO_DATA = 232;
    internal const int ERROR_PIPE_NOT_CONNECTED = 233;
    internal const int ERROR_MORE_DATA = 234;
    internal const int WAIT_TIMEOUT = 258;
    internal const int ERROR_OPERATION_ABORTED = 995;
    internal const int ERROR_IO_PENDING = 997;
    internal const int ERROR_NOT_FOUND = 1168;

    /// <summary>Turns a Win32 error into the exception GreenProc documents for native failures.</summary>
    internal static NativeIOException Win32Exception(int error, string operation)
        => NativeIOException.FromWin32(error, operation);

    /// <summary>The Win32 error of the last P/Invoke declared with SetLastError (read once, right after the call).</summary>
    internal static int LastWin32Error => Marshal.GetLastPInvokeError();
}
