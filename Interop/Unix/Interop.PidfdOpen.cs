using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>pidfd_open(2) (Linux 5.3+, glibc 2.36+). The returned fd is always close-on-exec.</summary>
    [LibraryImport(Libc, EntryPoint = "pidfd_open", SetLastError = true)]
    internal static partial int PidfdOpen(int pid, uint flags);
}
