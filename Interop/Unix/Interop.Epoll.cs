using System;
using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int EPOLLIN = 0x001;
    internal const int EPOLLOUT = 0x004;
    internal const int EPOLLERR = 0x008;
    internal const int EPOLLHUP = 0x010;
    internal const int EPOLLONESHOT = 1 << 30;
    private const int EPOLL_CLOEXEC = 0x80000;

    // struct epoll_event { uint32_t events; epoll_data_t data; } is packed on x86-64 only (12 bytes, data at 4);
    // elsewhere it has natural alignment (16 bytes, data at 8). We keep the fd in the union's int member.
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_epollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>epoll_create1(EPOLL_CLOEXEC).</summary>
    internal static int EpollCreate()
    {
        int fd = EpollCreate1(EPOLL_CLOEXEC);
        if (fd < 0)
        {
            throw ErrnoException(Marshal.GetLastPInvokeError(), "epoll_create1");
        }

        return fd;
    }

    /// <summary>epoll_ctl with the fd itself as the event's user data. Returns 0 or the errno.</summary>
    internal static unsafe int EpollCtl(int epfd, int op, int fd, int events)
    {
        byte* ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear(); // padding and the data union's upper half
        *(uint*)ev = (uint)events;
        *(int*)(ev + s_epollDataOffset) = fd;
        return EpollCtlCore(epfd, op, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>epoll_wait into <paramref name="events"/> (room for <paramref name="max"/> events of
    /// <see cref="EpollEventSize"/> bytes); returns the count, or -1 with errno (LastErrno).</summary>
    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(int epfd, byte* events, int max, int timeoutMs);

    /// <summary>The event mask and fd of event <paramref name="index"/> that <see cref="EpollWait"/> returned.</summary>
    internal static unsafe int EpollEventAt(byte* events, int index, out int fd)
    {
        byte* ev = events + (index * EpollEventSize);
        fd = *(int*)(ev + s_epollDataOffset);
        return (int)*(uint*)ev;
    }

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    private static unsafe partial int EpollCtlCore(int epfd, int op, int fd, byte* ev);
}
