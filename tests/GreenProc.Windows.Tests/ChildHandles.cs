using System;
using System.Runtime.InteropServices;

namespace GreenProc.Windows.Tests;

/// <summary>The child's side of the handle-hygiene test: Windows only.</summary>
internal static partial class ChildHandles
{
    public static unsafe bool TryWrite(long handle)
    {
        if (!OperatingSystem.IsWindows())
        {
            return false;
        }

        byte b = (byte)'!';
        return WriteFile((nint)handle, &b, 1, out _, 0);
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool WriteFile(nint handle, byte* buffer, int count, out int written, nint overlapped);
}
