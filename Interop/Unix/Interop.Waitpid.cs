using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>waitpid(2) for one pid. GreenProc never calls it with -1: that would steal other libraries' children.</summary>
    [LibraryImport(Libc, EntryPoint = "waitpid", SetLastError = true)]
    internal static unsafe partial int Waitpid(int pid, int* status, int options);
}
