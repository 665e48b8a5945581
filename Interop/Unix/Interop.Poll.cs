using Mono.Unix.Native;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>
    /// poll(2) through Mono.Posix, the portable-Unix binding (its native helper ships for the Unix RIDs).
    /// Returns the count of ready entries, or -1 with the errno in <paramref name="errno"/>.
    /// </summary>
    internal static int Poll(Pollfd[] fds, int count, int timeoutMs, out int errno)
    {
        int n = Syscall.poll(fds, (uint)count, timeoutMs);
        errno = n < 0 ? (int)NativeConvert.FromErrno(Stdlib.GetLastError()) : 0;
        return n;
    }
}
