using System.Runtime.InteropServices;
using Tmds.Linux;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK).</summary>
    internal static int EventFd()
    {
        int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (fd < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), "eventfd");
        }

        return fd;
    }
}
