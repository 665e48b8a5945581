using System;

namespace GreenProc.Ipc;

/// <summary>
/// The <see cref="ProcessPool"/> worker running this task died (SIGKILL, <c>Environment.FailFast</c>, a stack overflow,
/// a native crash, the OOM killer, <c>Environment.Exit</c> in the task...). Only the task it was running fails; the
/// pool replaces the worker and runs every other task elsewhere. Also what every task fails with when workers die
/// before they are ready, three in a row (the app cannot start in a child): the pool then cannot run tasks.
/// </summary>
public sealed class WorkerCrashedException : GipcException
{
    /// <summary>Creates the exception.</summary>
    public WorkerCrashedException()
        : base("A process pool worker died while it ran this task.")
    {
        StderrTail = "";
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public WorkerCrashedException(string message)
        : base(message)
    {
        StderrTail = "";
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public WorkerCrashedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        StderrTail = "";
    }

    internal WorkerCrashedException(int pid, int? exitCode, string stderrTail, int? requeues)
        : base(Describe(pid, exitCode, stderrTail, requeues))
    {
        Pid = pid;
        ExitCode = exitCode;
        StderrTail = stderrTail;
    }

    /// <summary>The worker's process id.</summary>
    public int Pid { get; }

    /// <summary>Its exit code: negative for the signal that killed it (-9: SIGKILL, -6: SIGABRT, -11: SIGSEGV); null if unknown.</summary>
    public int? ExitCode { get; }

    /// <summary>The signal that killed it, or null when it exited.</summary>
    public int? Signal => ExitCode is < 0 ? -ExitCode : null;

    /// <summary>The last lines it wrote to stderr (up to 4 KiB; the whole of it also went to this process's stderr).</summary>
    public string StderrTail { get; }

    private static string Describe(int pid, int? exitCode, string stderrTail, int? requeues)
    {
        string how = exitCode switch
        {
            null => "died",
            < 0 => $"was killed by signal {-exitCode.Value}{SignalName(-exitCode.Value)}",
            _ => $"exited with code {exitCode.Value}",
        };
        string what = requeues is { } n
            ? $"A process pool task was held by {n} workers that died (the last, pid {pid}, {how}); it is not sent again."
            : $"The process pool worker (pid {pid}) running this task {how}. The pool replaced it; other tasks go on.";
        return stderrTail.Length == 0 ? what : $"{what} Its stderr ended with:\n{stderrTail}";
    }

    private static string SignalName(int signal) => signal switch
    {
        6 => " (SIGABRT: an abort, e.g. Environment.FailFast or a stack overflow)",
        9 => " (SIGKILL: killed, e.g. by the OOM killer or kill -9)",
        11 => " (SIGSEGV: a native crash)",
        15 => " (SIGTERM)",
        _ => "",
    };
}
