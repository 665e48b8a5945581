using System;
using System.Collections.Generic;

namespace GreenProc.Subprocess;

/// <summary>
/// A child process could not be started: the program was not found (ENOENT), is not executable (EACCES), the
/// working directory does not exist, or the system is out of processes or fds. Nothing was left behind: every pipe
/// made for the child is closed again.
/// </summary>
public sealed class ProcessStartException : SubprocessException
{
    /// <summary>Creates the exception.</summary>
    public ProcessStartException()
        : this("The process could not be started.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ProcessStartException(string message)
        : base(message)
    {
        FileName = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ProcessStartException(string message, Exception? innerException)
        : base(message, innerException)
    {
        FileName = string.Empty;
    }

    internal ProcessStartException(IReadOnlyList<string> args, string fileName, int errno, string message)
        : base(args, message)
    {
        FileName = fileName;
        Errno = errno;
    }

    /// <summary>The program that was to be executed (as given, or the path found on PATH).</summary>
    public string FileName { get; }

    /// <summary>The errno that explains the failure (2 = ENOENT, 13 = EACCES, ...).</summary>
    public int Errno { get; }
}
