using System;
using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>
    /// One read(2) from a non-blocking fd: the bytes read, 0 at end of stream, -1 for "not ready" (EAGAIN). Retries
    /// EINTR; other errors become <see cref="NativeIOException"/>. The handle is referenced for the call, so a
    /// concurrent dispose cannot let the fd number be reused under it (a closed handle: ObjectDisposedException).
    /// </summary>
    internal static unsafe int ReadNonBlocking(SafeHandle handle, Span<byte> buffer)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = Read(fd, p, buffer.Length);
                    if (n >= 0)
                    {
                        return (int)n;
                    }

                    int errno = LastErrno;
                    if (errno == EAGAIN)
                    {
                        return -1;
                    }

                    if (errno != EINTR)
                    {
                        throw ErrnoException(errno, $"read(fd {fd})");
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
