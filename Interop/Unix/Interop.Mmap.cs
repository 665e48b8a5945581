using System;
using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int PROT_READ = 0x1;
    private const int PROT_WRITE = 0x2;
    private const int MAP_SHARED = 0x01;

    /// <summary>
    /// Maps <paramref name="length"/> bytes of <paramref name="fd"/> shared and read-write (growing the file to that size
    /// first): memory two processes see alike. Ours rather than MemoryMappedFile: a worker of the process pool maps one
    /// page at start, and loading and compiling MemoryMappedFiles for it was a measurable part of the start.
    /// </summary>
    internal static unsafe void* MapShared(int fd, nuint length)
    {
        if (FtruncateCore(fd, (long)length) != 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"ftruncate(fd {fd})");
        }

        void* p = MmapCore(null, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == (void*)-1)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"mmap(fd {fd})");
        }

        return p;
    }

    internal static unsafe void Unmap(void* address, nuint length) => MunmapCore(address, length);

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static unsafe partial void* MmapCore(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    private static unsafe partial int MunmapCore(void* address, nuint length);

    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FtruncateCore(int fd, long length);
}
