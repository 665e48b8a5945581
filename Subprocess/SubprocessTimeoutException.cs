using System;
using System.Collections.Generic;

namespace GreenProc.Subprocess;

/// <summary>
/// A wait on a child (<see cref="Popen.WaitAsync"/>, <see cref="Popen.CommunicateAsync"/>, a run with a timeout) did
/// not finish in time. Carries the output read so far. After <see cref="Popen.CommunicateAsync"/> the child keeps
/// running and a second call continues where the first stopped (nothing read is lost); the run API kills the child
/// first.
/// </summary>
public sealed class SubprocessTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public SubprocessTimeoutException()
        : this("The subprocess did not finish in time.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public SubprocessTimeoutException(string message)
        : base(message)
    {
        Command = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public SubprocessTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Command = string.Empty;
    }

    internal SubprocessTimeoutException(IReadOnlyList<string> args, TimeSpan timeout, byte[]? stdout, byte[]? stderr, bool pipesHeldOpen = false)
        : base(Describe(args, timeout, pipesHeldOpen))
    {
        Command = Internal.CommandText.Format(args);
        Timeout = timeout;
        Stdout = stdout;
        Stderr = stderr;
        PipesHeldOpen = pipesHeldOpen;
    }

    /// <summary>The command line, quoted for display.</summary>
    public string Command { get; }

    /// <summary>The timeout that passed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>What was read from stdout before the timeout, or null when stdout was not a pipe.</summary>
    public byte[]? Stdout { get; }

    /// <summary>What was read from stderr before the timeout, or null when stderr was not a pipe.</summary>
    public byte[]? Stderr { get; }

    /// <summary>
    /// True when the run API killed the child after the timeout and a grandchild still held its output pipes
    /// (see <see cref="SubprocessPipesHeldException"/>); the output is what arrived until then.
    /// </summary>
    public bool PipesHeldOpen { get; }

    private static string Describe(IReadOnlyList<string> args, TimeSpan timeout, bool pipesHeldOpen)
    {
        string message = $"Command '{Internal.CommandText.Format(args)}' timed out after {timeout.TotalSeconds:0.###} s.";
        return pipesHeldOpen
            ? message + " It was killed, but a grandchild still holds its output pipes open; start it with NewProcessGroup to kill the whole group."
            : message;
    }
}
