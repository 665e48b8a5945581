using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int SDDL_REVISION_1 = 1;

    /// <summary>A self-relative security descriptor from SDDL; free it with <see cref="LocalFree"/>.</summary>
    internal static unsafe nint SecurityDescriptorFromSddl(string sddl, string operation)
    {
        nint descriptor;
        if (!ConvertStringSecurityDescriptorToSecurityDescriptor(sddl, SDDL_REVISION_1, &descriptor, null))
        {
            throw Win32Exception(LastWin32Error, operation);
        }

        return descriptor;
    }

    [LibraryImport(Libraries.Advapi32, EntryPoint = "ConvertStringSecurityDescriptorToSecurityDescriptorW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool ConvertStringSecurityDescriptorToSecurityDescriptor(string sddl, int revision, nint* descriptor, uint* size);

    [LibraryImport(Libraries.Kernel32)]
    internal static partial nint LocalFree(nint memory);
}
