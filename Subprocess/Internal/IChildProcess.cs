using System.Runtime.InteropServices;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// A started child as <see cref="Popen"/> sees it, whatever the platform: Unix implements it with a pid and a pidfd
/// (<see cref="UnixChildProcess"/>); a Windows implementation would wrap the process handle (waitable by the
/// completion-based reactor) and TerminateProcess.
/// </summary>
internal interface IChildProcess
{
    int Pid { get; }

    /// <summary>A handle the reactor can wait on until the child exits (a pidfd); null where none exists.</summary>
    SafeHandle? ExitHandle { get; }

    bool IsDone { get; }

    /// <summary>The exit code, negative for a signal; valid once <see cref="IsDone"/> unless <see cref="StatusLost"/>.</summary>
    int ReturnCode { get; }

    /// <summary>Someone else reaped the child: its status is unknown.</summary>
    bool StatusLost { get; }

    /// <summary>Collects the exit status if the child has exited, without waiting; returns <see cref="IsDone"/>.</summary>
    bool TryReap();

    /// <summary>Delivers a signal unless the child was already reaped.</summary>
    void Signal(int signal);

    /// <summary>The owner let go of an unreaped child: reap it in the background when it exits.</summary>
    void Abandon();
}
