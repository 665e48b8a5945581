using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int FileModeInformation = 16;
    private const int FILE_SYNCHRONOUS_IO_ALERT = 0x10;
    private const int FILE_SYNCHRONOUS_IO_NONALERT = 0x20;

    /// <summary>
    /// Whether <paramref name="handle"/> was opened for overlapped I/O (no FILE_SYNCHRONOUS_IO_* mode), the way .NET's
    /// FileStream tells on Windows. Null when the mode cannot be read.
    /// </summary>
    internal static unsafe bool? IsOverlapped(SafeHandle handle)
    {
        nint* statusBlock = stackalloc nint[2];
        int mode;
        int status = NtQueryInformationFile(handle, statusBlock, &mode, sizeof(int), FileModeInformation);
        if (status != 0)
        {
            return null;
        }

        return (mode & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT)) == 0;
    }

    [LibraryImport(Libraries.NtDll)]
    private static unsafe partial int NtQueryInformationFile(SafeHandle handle, nint* ioStatusBlock, void* information, int length, int fileInformationClass);
}
