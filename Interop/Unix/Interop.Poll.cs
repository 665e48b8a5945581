using System;
using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const short POLLIN = 0x001, POLLOUT = 0x004, POLLERR = 0x008, POLLHUP = 0x010, POLLNVAL = 0x020;

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>
    /// poll(2) over <paramref name="fds"/>: the count of ready entries, or -1 with errno (LastErrno). Bound here, not
    /// through Mono.Posix's <c>Syscall.poll</c>, which marshalled a copy of the array on every call (24 B + 8 per fd:
    /// the portable reactor's only allocation per wait) and put Mono's types into three layers (issue 13).
    /// </summary>
    internal static unsafe int Poll(Span<PollFd> fds, int timeoutMs)
    {
        fixed (PollFd* p = fds)
        {
            return PollCore(p, (nuint)fds.Length, timeoutMs);
        }
    }

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollCore(PollFd* fds, nuint count, int timeoutMs);
}
