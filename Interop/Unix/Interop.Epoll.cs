using System.Runtime.InteropServices;
using Tmds.Linux;

namespace GreenProc;

internal static partial class Interop
{
    internal const int EPOLLIN = 0x001;
    internal const int EPOLLOUT = 0x004;
    internal const int EPOLLERR = 0x008;
    internal const int EPOLLHUP = 0x010;
    internal const int EPOLLONESHOT = 1 << 30;

    /// <summary>epoll_create1(EPOLL_CLOEXEC).</summary>
    internal static int EpollCreate()
    {
        int fd = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (fd < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), "epoll_create1");
        }

        return fd;
    }

    /// <summary>epoll_ctl with the fd itself as the event's user data. Returns 0 or the errno.</summary>
    internal static unsafe int EpollCtl(int epfd, int op, int fd, int events)
    {
        epoll_event ev = default;
        ev.events = events;
        ev.data.fd = fd;
        return LibC.epoll_ctl(epfd, op, fd, &ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>epoll_wait; returns the count, or -1 with the errno in <paramref name="errno"/>.</summary>
    internal static unsafe int EpollWait(int epfd, epoll_event* events, int max, int timeoutMs, out int errno)
    {
        int n = LibC.epoll_wait(epfd, events, max, timeoutMs);
        errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
        return n;
    }
}
