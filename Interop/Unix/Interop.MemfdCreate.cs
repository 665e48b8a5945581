using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const uint MFD_CLOEXEC = 0x0001;

    /// <summary>
    /// memfd_create(name, MFD_CLOEXEC) (Linux ≥ 3.17, glibc ≥ 2.27): an anonymous file in memory, close-on-exec from
    /// birth, that a child can be given and both map. It vanishes with its last descriptor, so nothing is left behind
    /// when a process is killed (a file in /dev/shm would be).
    /// </summary>
    internal static SafeFdHandle MemfdCreate(string name)
    {
        int fd = MemfdCreateCore(name, MFD_CLOEXEC);
        if (fd < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), $"memfd_create({name})");
        }

        return new SafeFdHandle(fd);
    }

    [LibraryImport(Libc, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreateCore(string name, uint flags);
}
