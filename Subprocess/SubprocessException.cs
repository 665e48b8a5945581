using System;
using System.Collections.Generic;

namespace GreenProc.Subprocess;

/// <summary>
/// The base of the subprocess layer's errors: a child could not be started, exited with a failing code that was
/// checked, lost its exit status, or still holds its pipes after a kill. Timeouts are
/// <see cref="SubprocessTimeoutException"/> (a <see cref="TimeoutException"/>).
/// </summary>
public class SubprocessException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SubprocessException()
        : this("A subprocess operation failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public SubprocessException(string message)
        : base(message)
    {
        Command = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public SubprocessException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Command = string.Empty;
    }

    /// <summary>Creates the exception for <paramref name="args"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    protected SubprocessException(IReadOnlyList<string> args, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Command = Internal.CommandText.Format(args);
    }

    /// <summary>The command line, quoted for display (POSIX shell quoting).</summary>
    public string Command { get; }
}
