using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>
    /// Creates a completion port (<paramref name="fileHandle"/> = INVALID_HANDLE_VALUE, <paramref name="existingPort"/> = 0),
    /// or associates <paramref name="fileHandle"/> with <paramref name="existingPort"/>. Returns 0 on failure.
    /// </summary>
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    internal static partial nint CreateIoCompletionPort(nint fileHandle, nint existingPort, nuint completionKey, uint concurrentThreads);
}
