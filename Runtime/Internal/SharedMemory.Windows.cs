using System.Runtime.Versioning;

namespace GreenProc.Internal;

// Windows: a pagefile-backed section. The child receives the section's handle (inherited through the handle list and
// named in GREENPROC_HANDLES) and maps it; the view keeps the section alive once the handle is closed.
internal sealed unsafe partial class SharedMemory
{
    [SupportedOSPlatform("windows")]
    private static SharedMemory CreateWindows(int size, out SafeFdHandle descriptor)
    {
        nint section = Interop.CreateSharedSection(size);
        if (section == 0)
        {
            throw Interop.Win32Exception(Interop.LastWin32Error, "CreateFileMapping");
        }

        descriptor = SafeFdHandle.FromWindowsHandle(section);
        return Map(section, size);
    }

    [SupportedOSPlatform("windows")]
    private static SharedMemory OpenWindows(int number, int size)
    {
        int section = InheritedHandles.Resolve(number);
        if (section < 0)
        {
            throw new System.InvalidOperationException($"This process received no shared memory section numbered {number} ({InheritedHandles.EnvironmentVariable} does not name it).");
        }

        try
        {
            return Map(section, size);
        }
        finally
        {
            Interop.CloseHandle(section);
        }
    }

    [SupportedOSPlatform("windows")]
    private static SharedMemory Map(nint section, int size)
    {
        void* start = Interop.MapSection(section, (nuint)size);
        if (start is null)
        {
            throw Interop.Win32Exception(Interop.LastWin32Error, "MapViewOfFile");
        }

        return new SharedMemory(start, size);
    }
}
