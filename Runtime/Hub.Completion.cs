using System;
using System.Runtime.Versioning;
using System.Threading;
using GreenProc.Internal;

namespace GreenProc;

// The hub's side of completion-based I/O (Windows): a handle's registration, and a greenlet parked until the port
// reports its call. The registration is the one readiness waits use, so a handle's disposal wakes its waiters the
// same way (IFdCloseObserver), and the deadlock count sees them as fd waiters.
public sealed partial class Hub
{
    /// <summary>The hub's completion port, or null on Unix.</summary>
    internal CompletionPortReactor? CompletionPort => _reactor as CompletionPortReactor;

    /// <summary>
    /// The registration of <paramref name="handle"/>, associated with this hub's completion port on first use. A handle
    /// is associated with one port for life (Windows has no way back), so it belongs to this hub from then on.
    /// </summary>
    /// <exception cref="InvalidOperationException">The handle is associated with another port (another hub, or .NET's
    /// thread pool through a FileStream or PipeStream).</exception>
    [SupportedOSPlatform("windows")]
    internal FdRegistration RegisterForCompletion(SafeFdHandle handle)
    {
        int value = (int)handle.DangerousGetHandle();
        FdRegistration reg = GetOrCreateRegistration(value);
        if (reg.Handle is not null && !ReferenceEquals(reg.Handle, handle) && !reg.Handle.IsClosed)
        {
            throw new InvalidOperationException($"Handle 0x{value:X} is already registered with this hub under another SafeFdHandle; wrap a handle once.");
        }

        if (!reg.BoundToPort)
        {
            reg.SkipsPortOnSuccess = CompletionPort!.Bind(handle);
            reg.BoundToPort = true;
        }

        if (reg.Handle is null && handle.TrySetCloseObserver(this))
        {
            reg.Handle = handle;
        }

        return reg;
    }

    /// <summary>
    /// Parks the current greenlet until the call in flight on <paramref name="reg"/> in <paramref name="direction"/>
    /// ends (its packet wakes it through <see cref="OnFdReady"/>), or it is interrupted: kill, a timeout (a scope's, or
    /// <paramref name="timeout"/>), <paramref name="cancellationToken"/>, the handle's disposal. An interrupted wait
    /// does not cancel the call; its owner does, and waits for the packet.
    /// </summary>
    internal Waiter ParkForCompletion(FdRegistration reg, int direction, TimeSpan? timeout, CancellationToken cancellationToken, string operation)
    {
        Waiter w = BeginWait(RequireGreenlet(operation), reg);
        AttachFdWaiter(reg, w, direction);
        w.ArmDeadline(timeout, throwOnTimeout: true);
        w.ArmCancellation(cancellationToken);
        return w;
    }
}
