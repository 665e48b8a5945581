using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int PAGE_READWRITE = 0x04;
    private const int FILE_MAP_ALL_ACCESS = 0x000F001F;

    /// <summary>A pagefile-backed section of <paramref name="size"/> bytes, not inheritable; 0 on failure.</summary>
    internal static nint CreateSharedSection(int size) => CreateFileMapping(-1, 0, PAGE_READWRITE, 0, size, 0);

    /// <summary>Maps all of <paramref name="section"/> read-write; null on failure.</summary>
    internal static unsafe void* MapSection(nint section, nuint size) => MapViewOfFile(section, FILE_MAP_ALL_ACCESS, 0, 0, size);

    [LibraryImport(Libraries.Kernel32, EntryPoint = "CreateFileMappingW", SetLastError = true)]
    private static partial nint CreateFileMapping(nint file, nint attributes, int protect, int sizeHigh, int sizeLow, nint name);

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    private static unsafe partial void* MapViewOfFile(nint section, int access, int offsetHigh, int offsetLow, nuint size);

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool UnmapViewOfFile(void* address);
}
