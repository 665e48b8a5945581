using System;
using System.Collections.Generic;
using System.Runtime.Versioning;

namespace GreenProc.Internal;

/// <summary>
/// The portable-Unix reactor: poll(2) over the fds some greenlet waits on, plus a self-pipe for wake-ups. It keeps
/// no kernel state, so an fd closed behind its back costs nothing but a POLLNVAL.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class PollReactor : IReactor
{
    private readonly Hub _hub;
    private readonly SafeFdHandle _wakeRead;
    private readonly int _wakeReadFd; // its number for the pollfd array: the reactor owns and outlives it

    // A handle for the reason given in EpollReactor: Wake may race with the hub's end.
    private readonly SafeFdHandle _wakeWrite;
    private readonly List<FdRegistration> _watched = new();
    private Interop.PollFd[] _pollfds = new Interop.PollFd[16];
    private FdRegistration?[] _snapshot = new FdRegistration?[16];
    private bool _disposed;

    public PollReactor(Hub hub)
    {
        _hub = hub;
        SafeFdHandle.CreatePipe(out _wakeRead, out _wakeWrite, nonBlocking: true);
        _wakeReadFd = _wakeRead.Fd;
    }

    public void Update(FdRegistration reg)
    {
        if (reg.Wanted != 0)
        {
            if (reg.PollSlot < 0)
            {
                reg.PollSlot = _watched.Count;
                _watched.Add(reg);
            }
        }
        else
        {
            Remove(reg);
        }
    }

    public void Remove(FdRegistration reg)
    {
        int slot = reg.PollSlot;
        if (slot < 0)
        {
            return;
        }

        int last = _watched.Count - 1;
        if (slot != last)
        {
            FdRegistration moved = _watched[last];
            _watched[slot] = moved;
            moved.PollSlot = slot;
        }

        _watched.RemoveAt(last);
        reg.PollSlot = -1;
    }

    public void Wait(int timeoutMs)
    {
        // Woken waiters leave their registration in the list; drop the ones nobody waits on any more, or poll
        // would report their hang-ups (which it does even for an empty event mask) forever.
        for (int i = _watched.Count - 1; i >= 0; i--)
        {
            if (_watched[i].Wanted == 0)
            {
                Remove(_watched[i]);
            }
        }

        int count = _watched.Count + 1;
        if (_pollfds.Length < count)
        {
            int size = Math.Max(count, _pollfds.Length * 2);
            _pollfds = new Interop.PollFd[size];
            _snapshot = new FdRegistration?[size];
        }

        _pollfds[0] = new Interop.PollFd { Fd = _wakeReadFd, Events = Interop.POLLIN };
        for (int i = 1; i < count; i++)
        {
            FdRegistration reg = _watched[i - 1];
            int wanted = reg.Wanted;
            _pollfds[i] = new Interop.PollFd
            {
                Fd = reg.Fd,
                Events = (short)(((wanted & FdRegistration.Read) != 0 ? Interop.POLLIN : 0)
                    | ((wanted & FdRegistration.Write) != 0 ? Interop.POLLOUT : 0)),
            };
            _snapshot[i] = reg;
        }

        int n = Interop.Poll(_pollfds.AsSpan(0, count), timeoutMs);
        if (n < 0)
        {
            int errno = Interop.LastErrno;
            if (errno == Interop.EINTR)
            {
                return;
            }

            throw Interop.ErrnoException(errno, "poll");
        }

        if (n > 0)
        {
            if (_pollfds[0].ReturnedEvents != 0)
            {
                DrainWakePipe();
            }

            for (int i = 1; i < count; i++)
            {
                short revents = _pollfds[i].ReturnedEvents;
                if (revents == 0)
                {
                    continue;
                }

                // HUP/ERR/NVAL wake both directions: the waiter's next read or write reports what happened.
                bool broken = (revents & (Interop.POLLHUP | Interop.POLLERR | Interop.POLLNVAL)) != 0;
                _hub.OnFdReady(
                    _snapshot[i]!,
                    broken || (revents & Interop.POLLIN) != 0,
                    broken || (revents & Interop.POLLOUT) != 0);
            }
        }

        Array.Clear(_snapshot, 0, count);
    }

    public unsafe void Wake()
    {
        try
        {
            byte b = 1;
            Interop.Write(_wakeWrite, &b, 1); // EAGAIN: wake-ups are already pending
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
        _wakeRead.Dispose();
        _wakeWrite.Dispose();
    }

    private unsafe void DrainWakePipe()
    {
        byte* buffer = stackalloc byte[64];
        while (Interop.Read(_wakeRead, buffer, 64) == 64)
        {
        }
    }
}
