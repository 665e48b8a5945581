using System;

namespace GreenProc.NativeTests;

/// <summary>The process-level bindings the subprocess layer will build on, checked against this very process.</summary>
public class ProcessCallTests
{
    [Fact]
    public void Pidfd_open_names_this_process_is_close_on_exec_and_signal_0_reaches_it()
    {
        int pidfd = Interop.PidfdOpen(Environment.ProcessId, 0);
        Assert.True(pidfd >= 0, $"pidfd_open failed with errno {Interop.LastErrno}");
        try
        {
            Assert.True(Interop.IsCloseOnExec(pidfd));
            Assert.Equal(0, Interop.PidfdSendSignal(pidfd, 0, 0, 0));
        }
        finally
        {
            Interop.Close(pidfd);
        }
    }

    [Fact]
    public void Pidfd_open_of_a_missing_pid_fails_with_ESRCH()
    {
        Assert.Equal(-1, Interop.PidfdOpen(int.MaxValue - 7, 0));
        Assert.Equal(Interop.ESRCH, Interop.LastErrno);
    }

    [Fact]
    public unsafe void Waiting_for_a_process_that_is_not_our_child_fails_with_ECHILD()
    {
        int status;
        Assert.Equal(-1, Interop.Waitpid(1, &status, Interop.WNOHANG));
        Assert.Equal(Interop.ECHILD, Interop.LastErrno);

        int pidfd = Interop.PidfdOpen(Environment.ProcessId, 0);
        try
        {
            Interop.SigInfo info;
            Assert.Equal(-1, Interop.Waitid(Interop.P_PIDFD, pidfd, &info, Interop.WEXITED | Interop.WNOHANG));
            Assert.Equal(Interop.ECHILD, Interop.LastErrno);
        }
        finally
        {
            Interop.Close(pidfd);
        }
    }

    [Fact]
    public unsafe void Prctl_reads_the_parent_death_signal()
    {
        int signal = -1;
        Assert.Equal(0, Interop.Prctl(Interop.PR_GET_PDEATHSIG, (nuint)(&signal), 0, 0, 0));
        Assert.Equal(0, signal); // the test host sets none
    }

    [Fact]
    public void Close_range_with_CLOEXEC_marks_a_range()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            r.SetNonBlocking(false);
            int fd = r.Fd;
            Assert.Equal(0, Interop.CloseRange((uint)fd, (uint)fd, (int)Interop.CLOSE_RANGE_CLOEXEC));
            Assert.True(Interop.IsCloseOnExec(fd));
        }
    }

    [Fact]
    public void Native_errors_name_the_call_and_the_errno()
    {
        var e = new NativeIOException(Interop.ENOENT, "open(/nope)");
        Assert.Equal(2, e.Errno);
        Assert.Equal("open(/nope)", e.Operation);
        Assert.Contains("ENOENT", e.Message, StringComparison.Ordinal);
        Assert.Contains("open(/nope) failed", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.IO.IOException>(e);
    }
}
