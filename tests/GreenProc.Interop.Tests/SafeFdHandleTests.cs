using System;
using System.IO;

namespace GreenProc.NativeTests;

public class SafeFdHandleTests
{
    [Fact]
    public void Pipe_ends_are_close_on_exec_and_non_blocking_by_default()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            Assert.True(Interop.IsCloseOnExec(r.Fd));
            Assert.True(Interop.IsCloseOnExec(w.Fd));
            Assert.True(r.IsNonBlocking());
            Assert.True(w.IsNonBlocking());
            r.SetNonBlocking(false);
            Assert.False(r.IsNonBlocking());
        }

        SafeFdHandle.CreatePipe(out SafeFdHandle br, out SafeFdHandle bw, nonBlocking: false);
        using (br)
        using (bw)
        {
            Assert.False(br.IsNonBlocking());
            Assert.True(Interop.IsCloseOnExec(br.Fd));
        }
    }

    [Fact]
    public void Socket_pairs_are_close_on_exec_and_connected()
    {
        SafeFdHandle.CreateSocketPair(out SafeFdHandle a, out SafeFdHandle b);
        using (a)
        using (b)
        {
            Assert.True(Interop.IsCloseOnExec(a.Fd));
            Assert.True(Interop.IsCloseOnExec(b.Fd));
            Assert.Equal(1, Write(a.Fd, 9));
            Assert.Equal(9, Read(b.Fd));
        }
    }

    [Fact]
    public void Dispose_closes_the_fd_exactly_once_and_Fd_then_throws()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        int fd = r.Fd;
        string target = FdTarget(fd)!;
        Assert.StartsWith("pipe:", target, StringComparison.Ordinal);
        r.Dispose();
        r.Dispose();
        Assert.True(r.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => r.Fd);
        Assert.Throws<ObjectDisposedException>(() => r.SetNonBlocking());
        Assert.NotEqual(target, FdTarget(fd)); // gone (or an unrelated fd reusing the number)
        w.Dispose();
    }

    [Fact]
    public void A_handle_that_does_not_own_its_fd_leaves_it_open()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            new SafeFdHandle(r.Fd, ownsHandle: false).Dispose();
            Assert.Equal(1, Write(w.Fd, 5));
            Assert.Equal(5, Read(r.Fd));
        }
    }

    [Fact]
    public void Pipe_size_can_be_raised_and_bad_sizes_fail_clearly()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            int granted = w.SetPipeSize(1 << 20);
            Assert.True(granted >= 1 << 20);
            Assert.Equal(granted, r.GetPipeSize());
            Assert.Throws<ArgumentOutOfRangeException>(() => w.SetPipeSize(0));
        }

        SafeFdHandle.CreateSocketPair(out SafeFdHandle a, out SafeFdHandle b);
        using (a)
        using (b)
        {
            var e = Assert.Throws<NativeIOException>(() => a.SetPipeSize(1 << 16)); // not a pipe
            Assert.Equal(9, e.Errno);
            Assert.Contains("F_SETPIPE_SZ", e.Message, StringComparison.Ordinal);
            Assert.Contains("EBADF", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Negative_fds_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SafeFdHandle(-1));
        Assert.True(new SafeFdHandle().IsInvalid);
    }

    [Fact]
    public void Our_read_binding_reports_EAGAIN_on_the_first_call()
    {
        // Guards the reason read/write are our own LibraryImports: the first errno must be right.
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            unsafe
            {
                byte b;
                Assert.Equal(-1, (long)Interop.Read(r, &b, 1));
                Assert.Equal(Interop.EAGAIN, Interop.LastErrno);
            }
        }
    }

    internal static string? FdTarget(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static unsafe int Write(int fd, byte value) => (int)Interop.Write(new SafeFdHandle(fd, ownsHandle: false), &value, 1);

    private static unsafe int Read(int fd)
    {
        byte b;
        Assert.Equal(1, (int)Interop.Read(new SafeFdHandle(fd, ownsHandle: false), &b, 1));
        return b;
    }
}
