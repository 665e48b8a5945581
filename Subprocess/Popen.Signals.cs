using System;

namespace GreenProc.Subprocess;

// Signals to the child and to its process group.
public sealed partial class Popen
{
    /// <summary>Sends <paramref name="signal"/> (a Linux signal number) to the child; nothing if it was already reaped.</summary>
    /// <param name="signal">The signal number (15 = SIGTERM, 9 = SIGKILL, 2 = SIGINT, ...).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="signal"/> is not a valid signal number.</exception>
    public void SendSignal(int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(signal);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signal, 64);
        _signalled = true;
        _child.Signal(signal);
    }

    /// <summary>Asks the child to stop (SIGTERM).</summary>
    public void Terminate() => SendSignal(Interop.SIGTERM);

    /// <summary>Kills the child (SIGKILL). Its <see cref="ReturnCode"/> becomes -9.</summary>
    public void Kill() => SendSignal(Interop.SIGKILL);

    /// <summary>
    /// Sends <paramref name="signal"/> to the child's whole process group (the child and every descendant that stayed in
    /// it): the tree kill. Requires <see cref="PopenOptions.NewProcessGroup"/> or <see cref="PopenOptions.NewSession"/>.
    /// </summary>
    /// <param name="signal">The signal number.</param>
    /// <exception cref="InvalidOperationException">The child does not lead its own process group.</exception>
    public void SendSignalToGroup(int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(signal);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signal, 64);
        if (!_groupLeader)
        {
            throw new InvalidOperationException("This child shares this process's process group; signalling it would hit this process too. Start it with NewProcessGroup = true (or NewSession) to signal its group.");
        }

        _signalled = true;
        if (Interop.Kill(-Pid, signal) != 0 && Interop.LastErrno is int errno && errno != Interop.ESRCH)
        {
            throw Interop.ErrnoException(errno, $"kill(-{Pid}, {signal})");
        }
    }
}
