using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>Returns the previous suspend count, or -1 on failure.</summary>
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    internal static partial int ResumeThread(nint thread);
}
