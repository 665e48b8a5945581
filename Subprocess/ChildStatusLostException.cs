using System;
using System.Collections.Generic;

namespace GreenProc.Subprocess;

/// <summary>
/// The child's exit status was taken by someone else (waitid said ECHILD): SIGCHLD was set to SIG_IGN, or other code
/// in this process reaped every child with <c>waitpid(-1)</c>. GreenProc never invents an exit code; the child has
/// exited. Do not ignore SIGCHLD, and do not reap children you did not start.
/// </summary>
public sealed class ChildStatusLostException : SubprocessException
{
    /// <summary>Creates the exception.</summary>
    public ChildStatusLostException()
        : this("The child's exit status was lost.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ChildStatusLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ChildStatusLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal ChildStatusLostException(IReadOnlyList<string> args, int pid)
        : base(args, $"The exit status of process {pid} ('{Internal.CommandText.Format(args)}') was reaped by someone else (ECHILD): " +
            "SIGCHLD is ignored in this process, or other code calls waitpid(-1). The process has exited; its code is unknown.")
    {
        Pid = pid;
    }

    /// <summary>The child's pid.</summary>
    public int Pid { get; }
}
