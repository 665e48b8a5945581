using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool TerminateProcess(SafeHandle process, int exitCode);
}
