using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int STILL_ACTIVE = 259;

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetExitCodeProcess(SafeHandle process, out int exitCode);
}
