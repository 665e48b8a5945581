using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>WaitForSingleObject on a raw handle this code owns (an event).</summary>
    [LibraryImport(Libraries.Kernel32, EntryPoint = "WaitForSingleObject", SetLastError = true)]
    internal static partial int WaitForSingleObjectRaw(nint handle, int milliseconds);
}
