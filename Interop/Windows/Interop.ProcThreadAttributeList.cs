using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int PROC_THREAD_ATTRIBUTE_HANDLE_LIST = 0x00020002;

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool InitializeProcThreadAttributeList(nint attributeList, int attributeCount, int flags, ref nint size);

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool UpdateProcThreadAttribute(nint attributeList, int flags, nint attribute, nint value, nint size, nint previousValue, nint returnSize);

    [LibraryImport(Libraries.Kernel32)]
    internal static partial void DeleteProcThreadAttributeList(nint attributeList);
}
