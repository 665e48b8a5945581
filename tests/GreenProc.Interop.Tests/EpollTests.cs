using System;

namespace GreenProc.NativeTests;

/// <summary>Our own epoll, eventfd and fcntl bindings, on real descriptors.</summary>
public sealed class EpollTests
{
    [Fact]
    public unsafe void Epoll_reports_each_ready_fd_with_its_events_and_the_struct_layout_matches_the_kernel()
    {
        int epfd = Interop.EpollCreate();
        int efd = Interop.EventFd();
        SafeFdHandle.CreatePipe(out SafeFdHandle read, out SafeFdHandle write);
        using (read)
        using (write)
        {
            try
            {
                Assert.True(Interop.IsCloseOnExec(epfd));
                Assert.True(Interop.IsCloseOnExec(efd) && Interop.IsNonBlocking(efd));
                Assert.Equal(0, Interop.EpollCtl(epfd, 1 /* ADD */, efd, Interop.EPOLLIN));
                Assert.Equal(0, Interop.EpollCtl(epfd, 1, write.Fd, Interop.EPOLLOUT));
                Assert.Equal(0, Interop.EpollCtl(epfd, 1, read.Fd, Interop.EPOLLIN));
                Assert.Equal(Interop.EEXIST, Interop.EpollCtl(epfd, 1, read.Fd, Interop.EPOLLIN));

                byte* events = stackalloc byte[8 * 16];
                // Only the pipe's write end is ready: the eventfd counter is 0 and the pipe is empty.
                Assert.Equal(1, Interop.EpollWait(epfd, events, 8, 0));
                Assert.Equal(Interop.EPOLLOUT, Interop.EpollEventAt(events, 0, out int fd));
                Assert.Equal(write.Fd, fd);

                ulong one = 1;
                Assert.Equal(8, Interop.Write(new SafeFdHandle(efd, ownsHandle: false), (byte*)&one, 8));
                byte b = 7;
                Assert.Equal(1, Interop.Write(write, &b, 1));
                Assert.Equal(3, Interop.EpollWait(epfd, events, 8, 1000));
                var seen = new System.Collections.Generic.Dictionary<int, int>();
                for (int i = 0; i < 3; i++)
                {
                    int mask = Interop.EpollEventAt(events, i, out int ready);
                    seen[ready] = mask;
                }

                Assert.Equal(Interop.EPOLLIN, seen[efd]);
                Assert.Equal(Interop.EPOLLIN, seen[read.Fd]);
                Assert.Equal(Interop.EPOLLOUT, seen[write.Fd]);
                Assert.Equal(-1, Interop.EpollWait(-1, events, 8, 0));
                Assert.Equal(Interop.EBADF, Interop.LastErrno);
            }
            finally
            {
                Interop.Close(efd);
                Interop.Close(epfd);
            }
        }
    }

    [Fact]
    public void Close_on_exec_can_be_cleared_and_set_again_and_bad_fds_fail_with_EBADF()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle read, out SafeFdHandle write);
        using (read)
        using (write)
        {
            Interop.SetCloseOnExec(read.Fd, false);
            Assert.False(Interop.IsCloseOnExec(read.Fd));
            Interop.SetCloseOnExec(read.Fd, true);
            Assert.True(Interop.IsCloseOnExec(read.Fd));
            Interop.SetNonBlocking(write.Fd, false);
            Assert.False(Interop.IsNonBlocking(write.Fd));
        }

        NativeIOException e = Assert.Throws<NativeIOException>(() => Interop.SetCloseOnExec(-1, true));
        Assert.Equal(Interop.EBADF, e.Errno);
    }
}
