using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int PR_SET_PDEATHSIG = 1;
    internal const int PR_GET_PDEATHSIG = 2;
    internal const int PR_SET_CHILD_SUBREAPER = 36;

    /// <summary>prctl(2) with integer arguments.</summary>
    [LibraryImport(Libc, EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
