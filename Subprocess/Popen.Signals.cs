using System;

namespace GreenProc.Subprocess;

// Signals to the child and to its process group.
public sealed partial class Popen
{
    /// <summary>Sends <paramref name="signal"/> (a Linux signal number) to the child; nothing if it was already reaped.</summary>
    /// <param name="signal">The signal number (15 = SIGTERM, 9 = SIGKILL, 2 = SIGINT, ...).</param>
    /// <remarks>Windows has no signals: SIGTERM and SIGKILL end the child with TerminateProcess (exit code 1, as Python's
    /// subprocess does); any other number raises <see cref="PlatformNotSupportedException"/>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="signal"/> is not a valid signal number.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows, a signal other than SIGTERM (15) or SIGKILL (9).</exception>
    public void SendSignal(int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(signal);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signal, 64);
        _signalled = true;
        _child.Signal(signal);
    }

    /// <summary>Asks the child to stop (SIGTERM).</summary>
    public void Terminate() => SendSignal(Interop.SIGTERM);

    /// <summary>Kills the child (SIGKILL). Its <see cref="ReturnCode"/> becomes -9 (on Windows: TerminateProcess, 1).</summary>
    public void Kill() => SendSignal(Interop.SIGKILL);

    /// <summary>
    /// Sends <paramref name="signal"/> to the child's whole process group (the child and every descendant that stayed in
    /// it): the tree kill. Requires <see cref="PopenOptions.NewProcessGroup"/> or <see cref="PopenOptions.NewSession"/>.
    /// On Windows such a child has a job object of its own, and SIGTERM or SIGKILL ends every process in it.
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
        if (OperatingSystem.IsWindows())
        {
            // The group is the child's own job: everything it started ends with it (signals do not exist there).
            _child.Signal(signal); // refuses a signal Windows has no meaning for
            ((Internal.WindowsChildProcess)_child).TerminateTree();
            return;
        }

        if (Interop.Kill(-Pid, signal) != 0 && Interop.LastErrno is int errno && errno != Interop.ESRCH)
        {
            throw Interop.ErrnoException(errno, $"kill(-{Pid}, {signal})");
        }
    }
}
