using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int STD_INPUT_HANDLE = -10;
    internal const int STD_OUTPUT_HANDLE = -11;
    internal const int STD_ERROR_HANDLE = -12;

    /// <summary>This process's standard handle: 0 when it has none, -1 on failure.</summary>
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    internal static partial nint GetStdHandle(int which);
}
