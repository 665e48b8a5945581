using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>The Win32 error for the NTSTATUS a completion packet carries (0 for STATUS_SUCCESS).</summary>
    [LibraryImport(Libraries.NtDll)]
    internal static partial int RtlNtStatusToDosError(int status);
}
