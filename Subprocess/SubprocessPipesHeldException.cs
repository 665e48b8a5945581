using System;
using System.Collections.Generic;

namespace GreenProc.Subprocess;

/// <summary>
/// The child was signalled and has exited, but its stdout or stderr pipe did not reach end of stream within the
/// grace period (<see cref="PopenOptions.PipeDrainGrace"/>): a grandchild inherited the pipe and still holds it open.
/// Waiting for end of stream would hang as long as that grandchild lives (the trap Python's <c>run(timeout)</c> falls
/// into). Start the child in its own process group and kill the group (<see cref="Popen.SendSignalToGroup"/>) to
/// end the grandchildren too.
/// </summary>
public sealed class SubprocessPipesHeldException : SubprocessException
{
    /// <summary>Creates the exception.</summary>
    public SubprocessPipesHeldException()
        : this("The child's pipes are still held open by another process.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public SubprocessPipesHeldException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public SubprocessPipesHeldException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal SubprocessPipesHeldException(IReadOnlyList<string> args, int returnCode, byte[]? stdout, byte[]? stderr)
        : base(args, $"Command '{Internal.CommandText.Format(args)}' exited ({returnCode}) after a signal, but its output pipes are still open: " +
            "a grandchild holds them. Start it with NewProcessGroup and use SendSignalToGroup to end the whole group.")
    {
        ReturnCode = returnCode;
        Stdout = stdout;
        Stderr = stderr;
    }

    /// <summary>The child's exit code (negative: the signal).</summary>
    public int ReturnCode { get; }

    /// <summary>What was read from stdout so far, or null when it was not a pipe.</summary>
    public byte[]? Stdout { get; }

    /// <summary>What was read from stderr so far, or null when it was not a pipe.</summary>
    public byte[]? Stderr { get; }
}
