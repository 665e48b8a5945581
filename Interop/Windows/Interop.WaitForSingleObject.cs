using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int WAIT_OBJECT_0 = 0;

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    internal static partial int WaitForSingleObject(SafeHandle handle, int milliseconds);
}
