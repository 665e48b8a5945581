using System;
using System.Threading;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// One child this process started: its pid, its pidfd (Linux 5.3+; the race-free name of the process, which the
/// reactor can wait on), and its exit status once reaped. Reaping is always by this child only — waitid(P_PIDFD) or
/// waitid(P_PID) — never waitpid(-1), so other code's children keep their statuses.
/// </summary>
internal sealed unsafe class UnixChildProcess : IChildProcess
{
    // Set once pidfd_open or waitid(P_PIDFD) says the kernel lacks them; from then on every child uses its pid.
    private static volatile bool s_noPidfd;

    private readonly Lock _sync = new();

    // Reaped (or lost): the fields below are final.
    private volatile bool _done;
    private int _returnCode;
    private bool _statusLost;

    public UnixChildProcess(int pid)
    {
        Pid = pid;
        if (!s_noPidfd)
        {
            int fd = Interop.PidfdOpen(pid, 0);
            if (fd >= 0)
            {
                Pidfd = new SafeFdHandle(fd);
            }
            else if (Interop.LastErrno is Interop.ENOSYS or Interop.EPERM)
            {
                s_noPidfd = true;
            }
        }
    }

    public int Pid { get; }

    /// <summary>The pidfd, until the child is reaped; null on kernels without pidfds.</summary>
    public SafeFdHandle? Pidfd { get; private set; }

    /// <inheritdoc />
    public System.Runtime.InteropServices.SafeHandle? ExitHandle => Pidfd;

    public bool IsDone => _done;

    /// <summary>The exit code (negative signal number); valid once <see cref="IsDone"/> and not <see cref="StatusLost"/>.</summary>
    public int ReturnCode => _returnCode;

    public bool StatusLost => _statusLost;

    /// <summary>Reaps the child if it has exited (non-blocking). Returns whether it is done.</summary>
    public bool TryReap()
    {
        if (_done)
        {
            return true;
        }

        SafeFdHandle? pidfdToClose;
        lock (_sync)
        {
            if (_done)
            {
                return true;
            }

            if (!PollExitLocked())
            {
                return false; // still running
            }

            pidfdToClose = Pidfd;
            Pidfd = null;
            _done = true;
        }

        // The pid may be reused now; the pidfd goes with it (waking a watcher parked on it, which then sees _done).
        pidfdToClose?.Dispose();
        return true;
    }

    /// <summary>
    /// One non-blocking waitid, retried on EINTR and, on a kernel without P_PIDFD, by pid: false while the child
    /// runs; true once it is reaped (its code in <see cref="_returnCode"/>) or its status is lost (ECHILD). Under
    /// <see cref="_sync"/>.
    /// </summary>
    private bool PollExitLocked()
    {
        Interop.SigInfo info = default;
        while (true)
        {
            SafeFdHandle? pidfd = Pidfd;
            int r = WaitidNoHang(pidfd, &info);
            if (r == 0)
            {
                if (info.Pid == 0)
                {
                    return false;
                }

                _returnCode = info.Code == Interop.CLD_EXITED ? info.Status : -info.Status;
                return true;
            }

            int errno = Interop.LastErrno;
            if (errno == Interop.EINTR)
            {
                continue;
            }

            if (errno == Interop.EINVAL && pidfd is not null)
            {
                s_noPidfd = true; // a 5.3 kernel: pidfd_open but no P_PIDFD; fall back to the pid
                continue;
            }

            if (errno == Interop.ECHILD)
            {
                _statusLost = true;
                return true;
            }

            throw Interop.ErrnoException(errno, $"waitid(pid {Pid})");
        }
    }

    /// <summary>waitid(WEXITED | WNOHANG) on this child: by its pidfd while the kernel takes P_PIDFD, else by its pid.</summary>
    private int WaitidNoHang(SafeFdHandle? pidfd, Interop.SigInfo* info)
        => pidfd is not null && !s_noPidfd
            ? Interop.Waitid(pidfd, info, Interop.WEXITED | Interop.WNOHANG)
            : Interop.Waitid(Interop.P_PID, Pid, info, Interop.WEXITED | Interop.WNOHANG);

    /// <summary>Sends <paramref name="signal"/> unless the child is already reaped. A zombie ignores it.</summary>
    public void Signal(int signal)
    {
        lock (_sync)
        {
            if (_done)
            {
                return;
            }

            SafeFdHandle? pidfd = Pidfd;
            int r;
            if (pidfd is not null && !pidfd.IsClosed)
            {
                r = Interop.PidfdSendSignal(pidfd, signal, 0, 0);
            }
            else
            {
                // Safe under the lock: an unreaped child's pid cannot be reused.
                r = Interop.Kill(Pid, signal);
            }

            if (r != 0)
            {
                int errno = Interop.LastErrno;
                if (errno != Interop.ESRCH)
                {
                    throw Interop.ErrnoException(errno, $"kill(pid {Pid}, {signal})");
                }
            }
        }
    }

    /// <summary>Hands an unreaped child to the process-wide reaper (its Popen was disposed before it exited).</summary>
    public void Abandon()
    {
        if (!TryReap())
        {
            OrphanReaper.Adopt(this);
        }
    }
}
