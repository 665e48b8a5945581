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
    internal static int ReadNonBlocking(SafeHandle handle, Span<byte> buffer) => ReadNonBlocking(handle, buffer, default);

    /// <summary>
    /// The same with a second buffer that takes what does not fit in the first: one readv(2) (a plain read(2) when
    /// <paramref name="second"/> is empty). Returns the total read.
    /// </summary>
    internal static unsafe int ReadNonBlocking(SafeHandle handle, Span<byte> first, Span<byte> second)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            fixed (byte* p0 = first)
            fixed (byte* p1 = second)
            {
                IOVector* vectors = stackalloc IOVector[2];
                vectors[0] = new IOVector { Base = p0, Count = (nuint)first.Length };
                vectors[1] = new IOVector { Base = p1, Count = (nuint)second.Length };
                while (true)
                {
                    nint n = second.IsEmpty ? Read(fd, p0, first.Length) : Readv(fd, vectors, 2);
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
                        throw ErrnoException(errno, second.IsEmpty ? $"read(fd {fd})" : $"readv(fd {fd})");
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
