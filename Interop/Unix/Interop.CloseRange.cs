using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const uint CLOSE_RANGE_CLOEXEC = 1u << 2;

    /// <summary>close_range(2) (Linux 5.9+, glibc 2.34+).</summary>
    [LibraryImport(Libc, EntryPoint = "close_range", SetLastError = true)]
    internal static partial int CloseRange(uint first, uint last, int flags);
}
