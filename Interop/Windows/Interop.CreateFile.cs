using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int GENERIC_READ = unchecked((int)0x80000000);
    internal const int GENERIC_WRITE = 0x40000000;
    internal const int OPEN_EXISTING = 3;
    internal const int SECURITY_SQOS_PRESENT = 0x00100000;
    internal const int SECURITY_IDENTIFICATION = 0x00010000;

    /// <summary>Returns INVALID_HANDLE_VALUE (-1) on failure.</summary>
    [LibraryImport(Libraries.Kernel32, EntryPoint = "CreateFileW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    internal static unsafe partial nint CreateFile(
        string name, int access, int share, SecurityAttributes* security, int creation, int flags, nint template);
}
