using System;

namespace GreenProc.Ipc;

/// <summary>
/// A <see cref="ProcessPool"/> task ran longer than its timeout: its cancellation token fired in the worker and the
/// task stopped (<see cref="WorkerKilled"/> false), or it did not stop within the grace and its worker was killed and
/// replaced (true).
/// </summary>
public sealed class ProcessPoolTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public ProcessPoolTimeoutException()
        : base("A process pool task ran longer than its timeout.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ProcessPoolTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ProcessPoolTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal ProcessPoolTimeoutException(TimeSpan timeout, int pid, bool workerKilled)
        : base(workerKilled
            ? $"A process pool task ran longer than its timeout of {timeout} and did not stop when its cancellation token fired: its worker (pid {pid}) was killed and replaced."
            : $"A process pool task ran longer than its timeout of {timeout}; it stopped when its cancellation token fired (worker pid {pid}).")
    {
        Timeout = timeout;
        Pid = pid;
        WorkerKilled = workerKilled;
    }

    /// <summary>The task's timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The worker that ran it.</summary>
    public int Pid { get; }

    /// <summary>Whether the worker had to be killed (the task ignored its token).</summary>
    public bool WorkerKilled { get; }
}
