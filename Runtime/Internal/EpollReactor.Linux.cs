using System;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace GreenProc.Internal;

/// <summary>
/// The Linux reactor: level-triggered epoll plus an eventfd for cross-thread wake-ups.
/// </summary>
/// <remarks>
/// An fd waited on through a <see cref="SafeFdHandle"/> stays armed between waits (the hub hears of the handle's
/// disposal and leaves epoll before the fd closes), so a steady stream of waits costs no epoll_ctl at all; an
/// armed direction nobody waits for is dropped the first time it fires. An fd waited on by number could be closed
/// behind our back, so it is armed EPOLLONESHOT: the kernel disarms it after each event and nothing stale stays.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed unsafe class EpollReactor : IReactor
{
    private const int MaxEvents = 256;
    private const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

    private readonly Hub _hub;
    private readonly int _epfd;
    // A handle, not a bare number: a poster may call Wake just as the hub ends, and the handle's reference count
    // keeps the eventfd open until that write is done (a bare closed number could already name another file).
    private readonly SafeFdHandle _eventFd;
    private readonly int _eventFdNumber;
    private readonly byte* _events; // MaxEvents struct epoll_event (Interop.EpollEventSize bytes each)
    private bool _disposed;

    public EpollReactor(Hub hub)
    {
        _hub = hub;
        _epfd = Interop.EpollCreate();
        try
        {
            _eventFd = new SafeFdHandle(Interop.EventFd());
        }
        catch
        {
            Interop.Close(_epfd);
            throw;
        }

        _eventFdNumber = _eventFd.Fd;
        int err = Interop.EpollCtl(_epfd, EPOLL_CTL_ADD, _eventFdNumber, Interop.EPOLLIN);
        if (err != 0)
        {
            _eventFd.Dispose();
            Interop.Close(_epfd);
            throw Interop.ErrnoException(err, "epoll_ctl(ADD eventfd)");
        }

        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Interop.EpollEventSize));
    }

    public void Update(FdRegistration reg)
    {
        int wanted = ToEpoll(reg.Wanted);
        if (reg.Handle is not null)
        {
            // Lazy: only ever widen between events; narrowing waits until an unwanted event shows up.
            if ((wanted & ~reg.KernelMask) != 0)
            {
                Apply(reg, reg.KernelMask | wanted);
            }
        }
        else if (wanted != reg.KernelMask)
        {
            Apply(reg, wanted);
        }
    }

    public void Remove(FdRegistration reg)
    {
        if (reg.InKernel)
        {
            // Errors ignored: the fd may already be gone, which removed it from the epoll set anyway.
            Interop.EpollCtl(_epfd, EPOLL_CTL_DEL, reg.Fd, 0);
            reg.InKernel = false;
            reg.KernelMask = 0;
        }
    }

    public void Wait(int timeoutMs)
    {
        int n = Interop.EpollWait(_epfd, _events, MaxEvents, timeoutMs);
        if (n < 0)
        {
            int errno = Interop.LastErrno;
            if (errno == Interop.EINTR)
            {
                return;
            }

            throw Interop.ErrnoException(errno, "epoll_wait");
        }

        for (int i = 0; i < n; i++)
        {
            int events = Interop.EpollEventAt(_events, i, out int fd);
            if (fd == _eventFdNumber)
            {
                DrainEventFd();
                continue;
            }

            FdRegistration? reg = _hub.LookupFd(fd);
            if (reg is null)
            {
                // A leftover for an fd we no longer track: drop it so it does not fire again.
                Interop.EpollCtl(_epfd, EPOLL_CTL_DEL, fd, 0);
                continue;
            }

            int had = reg.Wanted;
            bool hangup = (events & (Interop.EPOLLHUP | Interop.EPOLLERR)) != 0;
            bool readable = hangup || (events & Interop.EPOLLIN) != 0;
            bool writable = hangup || (events & Interop.EPOLLOUT) != 0;
            bool oneShot = reg.Handle is null;
            if (oneShot)
            {
                reg.KernelMask = 0; // the kernel disarmed it
            }

            _hub.OnFdReady(reg, readable, writable);

            if (oneShot)
            {
                if (reg.Wanted != 0)
                {
                    Apply(reg, ToEpoll(reg.Wanted)); // the other direction still has a waiter
                }
            }
            else
            {
                int fired = (readable ? FdRegistration.Read : 0) | (writable ? FdRegistration.Write : 0);
                int unserved = ToEpoll(fired & ~had);
                if ((reg.KernelMask & unserved) != 0 || (hangup && had == 0))
                {
                    // Level-triggered: an armed direction nobody waits for would fire on every wait. Disarm it
                    // (a hung-up fd is reported even with an empty mask, so an fd nobody waits on leaves epoll).
                    Apply(reg, hangup && had == 0 ? 0 : reg.KernelMask & ~unserved);
                }
            }
        }
    }

    public void Wake()
    {
        try
        {
            ulong one = 1;
            Interop.Write(_eventFd, (byte*)&one, sizeof(ulong)); // EAGAIN: a wake-up is already pending
        }
        catch (ObjectDisposedException)
        {
            // The hub has ended; nobody is left to wake.
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _eventFd.Dispose();
        Interop.Close(_epfd);
        NativeMemory.Free(_events);
    }

    private void DrainEventFd()
    {
        ulong value;
        Interop.Read(_eventFd, (byte*)&value, sizeof(ulong));
    }

    private void Apply(FdRegistration reg, int mask)
    {
        bool oneShot = reg.Handle is null;
        if (mask == 0 && !oneShot)
        {
            Remove(reg);
            return;
        }

        int events = mask | (oneShot ? Interop.EPOLLONESHOT : 0);
        int op = reg.InKernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        int err = Interop.EpollCtl(_epfd, op, reg.Fd, events);
        if (err == Interop.ENOENT && op == EPOLL_CTL_MOD)
        {
            // The fd number was closed and reused since we armed it: register the new file.
            err = Interop.EpollCtl(_epfd, EPOLL_CTL_ADD, reg.Fd, events);
        }
        else if (err == Interop.EEXIST && op == EPOLL_CTL_ADD)
        {
            err = Interop.EpollCtl(_epfd, EPOLL_CTL_MOD, reg.Fd, events);
        }

        if (err != 0)
        {
            reg.InKernel = false;
            reg.KernelMask = 0;
            throw err == Interop.EPERM
                ? new NativeIOException(err, $"epoll_ctl(fd {reg.Fd}): this fd cannot be waited on (regular files and directories are always ready; read them directly)")
                : Interop.ErrnoException(err, $"epoll_ctl(fd {reg.Fd})");
        }

        reg.InKernel = true;
        reg.KernelMask = mask;
    }

    private static int ToEpoll(int directions)
        => ((directions & FdRegistration.Read) != 0 ? Interop.EPOLLIN : 0)
            | ((directions & FdRegistration.Write) != 0 ? Interop.EPOLLOUT : 0);
}
