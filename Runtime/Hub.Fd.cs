using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

public sealed partial class Hub
{
    private static readonly Action<object?> s_closeFromOtherThread = static state =>
    {
        var handle = (SafeFdHandle)state!;
        RequireCurrent().CloseRegistration(handle);
        handle.DangerousRelease(); // the reference taken by the closing thread; the fd may close now
    };

    // A close handed over by RunClose from another thread (the state is the close itself).
    private static readonly Action<object?> s_runClose = static state => ((Action)state!)();

    // Registrations indexed by fd number (fds are small, dense integers).
    private FdRegistration?[] _fds = new FdRegistration?[64];

    internal FdRegistration? LookupFd(int fd) => (uint)fd < (uint)_fds.Length ? _fds[fd] : null;

    /// <summary>Parks the current greenlet until <paramref name="fd"/> (or <paramref name="handle"/>'s fd) is ready.</summary>
    internal ValueTask WaitFd(int fd, SafeHandle? handle, int direction, TimeSpan? timeout, CancellationToken cancellationToken, string operation)
    {
        ValidateTimeout(timeout, nameof(timeout));
        Greenlet current = RequireGreenlet(operation);
        bool addedRef = false;
        try
        {
            if (handle is not null)
            {
                handle.DangerousAddRef(ref addedRef); // throws ObjectDisposedException once closed
                fd = (int)handle.DangerousGetHandle();
            }

            ArgumentOutOfRangeException.ThrowIfNegative(fd);
            FdRegistration reg = GetOrCreateRegistration(fd);
            if (reg.BoundToPort)
            {
                throw new PlatformNotSupportedException(
                    "Windows cannot wait for a pipe or file handle to become readable or writable: this one is read and written through the hub's completion port. Use its GreenStream (or gipc handle) instead of waiting on it.");
            }

            if (handle is SafeFdHandle owned && !ReferenceEquals(reg.Handle, owned) && (reg.Handle is null || reg.Handle.IsClosed))
            {
                if (owned.TrySetCloseObserver(this))
                {
                    reg.Handle = owned;
                }
            }

            Waiter? busy = direction == FdRegistration.Read ? reg.ReadWaiter : reg.WriteWaiter;
            if (busy is not null)
            {
                string verb = direction == FdRegistration.Read ? "read" : "write";
                throw new ConcurrentObjectUseException(
                    $"Greenlet '{busy.Owner.Name}' is already waiting to {verb} fd {fd}; two greenlets cannot wait on one fd in the same direction. Give each its own fd or serialize them with a lock.");
            }

            Waiter w = BeginWait(current, reg);
            AttachFdWaiter(reg, w, direction);
            if (addedRef)
            {
                w.HoldHandle(handle!);
                addedRef = false;
            }

            try
            {
                _reactor.Update(reg);
            }
            catch (Exception e)
            {
                // The fd cannot be watched (a regular file, a closed fd): end the wait with the reason.
                RemoveFdWaiter(reg, w);
                w.Wake(e, result: true, from: reg);
                return w.AsValueTask();
            }

            w.ArmDeadline(timeout, throwOnTimeout: true);
            w.ArmCancellation(cancellationToken);
            return w.AsValueTask();
        }
        finally
        {
            if (addedRef)
            {
                handle!.DangerousRelease();
            }
        }
    }

    /// <summary>Makes <paramref name="w"/> the waiter of <paramref name="reg"/> in <paramref name="direction"/>, an fd waiter for deadlock detection.</summary>
    private void AttachFdWaiter(FdRegistration reg, Waiter w, int direction)
    {
        w.SiteData = direction;
        if (direction == FdRegistration.Read)
        {
            reg.ReadWaiter = w;
        }
        else
        {
            reg.WriteWaiter = w;
        }

        Liveness.FdWaitStarted();
    }

    /// <summary>A waiter leaves its fd for a reason of its own (timeout, kill, cancellation).</summary>
    internal void RemoveFdWaiter(FdRegistration reg, Waiter w)
    {
        if (ReferenceEquals(reg.ReadWaiter, w))
        {
            reg.ReadWaiter = null;
            Liveness.FdWaitEnded();
        }
        else if (ReferenceEquals(reg.WriteWaiter, w))
        {
            reg.WriteWaiter = null;
            Liveness.FdWaitEnded();
        }
        else
        {
            return;
        }

        if (!_disposed)
        {
            try
            {
                _reactor.Update(reg);
            }
            catch (NativeIOException)
            {
                // The fd went away under us; the registration is dropped when it is closed or reused.
            }
        }
    }

    /// <summary>
    /// Called by the reactor: wakes the greenlets waiting for the directions that are ready (on Windows also for the
    /// directions whose overlapped call the port reported).
    /// </summary>
    internal void OnFdReady(FdRegistration reg, bool readable, bool writable)
    {
        if (readable && reg.ReadWaiter is { } r)
        {
            reg.ReadWaiter = null;
            Liveness.FdWaitEnded();
            r.Wake(null, result: true, from: reg);
        }

        if (writable && reg.WriteWaiter is { } w)
        {
            reg.WriteWaiter = null;
            Liveness.FdWaitEnded();
            w.Wake(null, result: true, from: reg);
        }
    }

    /// <summary>Closes an fd known by number: wakes its waiters with <see cref="ObjectDisposedException"/> first.</summary>
    internal void CloseFd(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        FdRegistration? reg = LookupFd(fd);
        if (reg?.Handle is { IsClosed: false } handle && (int)handle.DangerousGetHandle() == fd)
        {
            handle.Dispose(); // tells us through OnFdClosing, then closes
            return;
        }

        if (reg is not null)
        {
            WakeForClose(reg);
        }

        Interop.Close(fd);
    }

    /// <summary>
    /// Runs <paramref name="close"/> on this hub's thread, for an object whose waiters must be woken there before its
    /// descriptor goes (a <see cref="GreenSocket"/>: its Socket closes its own descriptor, so the hub cannot hold it open
    /// the way <see cref="IFdCloseObserver.OnFdClosing"/> does). Inline when called on the hub thread, or once the hub
    /// has ended (its fds are forgotten then); from another thread it is posted, and it still runs if the hub ends before
    /// reaching it, as the closes of handles disposed on other threads do.
    /// </summary>
    /// <param name="close">The close. It must be safe to call twice: a post that lands after the ending hub has drained
    /// its inbox for the last time is run by the caller as well.</param>
    internal void RunClose(Action close)
    {
        if (IsHubThread || IsEnded)
        {
            close();
            return;
        }

        PostWork(new WorkItem(s_runClose, close, null));
        if (IsEnded)
        {
            close(); // the hub may have drained its inbox for the last time before the post landed
        }
    }

    /// <summary>Whether a queued item is a close that must run even when the hub ends first.</summary>
    private static bool IsClose(in WorkItem item)
        => item.Callback is Action<object?> a && (ReferenceEquals(a, s_closeFromOtherThread) || ReferenceEquals(a, s_runClose));

    void IFdCloseObserver.OnFdClosing(SafeFdHandle handle)
    {
        if (_disposed)
        {
            return;
        }

        if (!IsHubThread)
        {
            // Keep the fd open until the hub has woken its waiters and left the reactor.
            bool added = false;
            handle.DangerousAddRef(ref added);
            PostWork(new WorkItem(s_closeFromOtherThread, handle, null));
            return;
        }

        CloseRegistration(handle);
    }

    private void CloseRegistration(SafeFdHandle handle)
    {
        FdRegistration? reg = LookupFd((int)handle.DangerousGetHandle());
        if (reg is not null && ReferenceEquals(reg.Handle, handle))
        {
            WakeForClose(reg);
        }
    }

    private void WakeForClose(FdRegistration reg)
    {
        // Leave the kernel first: waking a waiter releases its reference, which may close the fd right away.
        _reactor.Remove(reg);
        _fds[reg.Fd] = null;
        reg.Handle?.ClearCloseObserver(this);
        reg.Handle = null;
        WakeClosed(reg, reg.ReadWaiter, "readable");
        WakeClosed(reg, reg.WriteWaiter, "writable");
        reg.ReadWaiter = reg.WriteWaiter = null;
    }

    private void WakeClosed(FdRegistration reg, Waiter? w, string what)
    {
        if (w is null)
        {
            return;
        }

        Liveness.FdWaitEnded();
        w.Wake(
            new ObjectDisposedException(
                $"fd {reg.Fd}",
                $"fd {reg.Fd} was closed while greenlet '{w.Owner.Name}' waited for it to become {what}. Close an fd only after the greenlets using it are done, or handle this exception in them."),
            result: true,
            from: reg);
    }

    private FdRegistration GetOrCreateRegistration(int fd)
    {
        if (fd >= _fds.Length)
        {
            Array.Resize(ref _fds, Math.Max(fd + 1, _fds.Length * 2));
        }

        return _fds[fd] ??= new FdRegistration(this, fd);
    }

    private void ForgetAllFds()
    {
        // Greenlets still parked on fds when main ends are abandoned, but the references their waits hold must go,
        // or disposing those handles later would never close the fds.
        foreach (FdRegistration? reg in _fds)
        {
            if (reg is not null)
            {
                WakeForClose(reg);
            }
        }

        _fds = [];
    }
}
