using System;
using System.Collections.Generic;
using System.Text;

namespace GreenProc.Subprocess;

/// <summary>
/// A checked command (<c>Check = true</c>, <see cref="Subprocess.CheckOutputAsync"/>, <see cref="Subprocess.CheckCallAsync"/>)
/// exited with a non-zero code (negative: killed by that signal). Carries what the child wrote, when it was captured.
/// </summary>
public sealed class CalledProcessException : SubprocessException
{
    /// <summary>Creates the exception.</summary>
    public CalledProcessException()
        : this("The command exited with a non-zero code.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public CalledProcessException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public CalledProcessException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal CalledProcessException(IReadOnlyList<string> args, int returnCode, byte[]? stdout, byte[]? stderr, Encoding encoding)
        : base(args, Describe(args, returnCode, stderr, encoding))
    {
        ReturnCode = returnCode;
        Stdout = stdout;
        Stderr = stderr;
        Encoding = encoding;
    }

    /// <summary>The exit code; negative when the child was killed by a signal (-9 for SIGKILL).</summary>
    public int ReturnCode { get; }

    /// <summary>What the child wrote to stdout, when it was captured; otherwise null.</summary>
    public byte[]? Stdout { get; }

    /// <summary>What the child wrote to stderr, when it was captured; otherwise null.</summary>
    public byte[]? Stderr { get; }

    /// <summary>The encoding <see cref="StdoutText"/> and <see cref="StderrText"/> decode with.</summary>
    public Encoding Encoding { get; } = Encoding.UTF8;

    /// <summary><see cref="Stdout"/> decoded as a StreamReader would (a byte order mark is dropped), or null.</summary>
    public string? StdoutText => Stdout is null ? null : Internal.OutputText.Decode(Encoding, Stdout);

    /// <summary><see cref="Stderr"/> decoded as a StreamReader would (a byte order mark is dropped), or null.</summary>
    public string? StderrText => Stderr is null ? null : Internal.OutputText.Decode(Encoding, Stderr);

    private static string Describe(IReadOnlyList<string> args, int returnCode, byte[]? stderr, Encoding encoding)
    {
        string how = returnCode < 0 ? $"was killed by signal {-returnCode}" : $"exited with code {returnCode}";
        string message = $"Command '{Internal.CommandText.Format(args)}' {how}.";
        if (stderr is { Length: > 0 })
        {
            string text = Internal.OutputText.Decode(encoding, stderr.AsSpan(0, Math.Min(stderr.Length, 2000))).TrimEnd();
            message += $" Its stderr: {text}";
        }

        return message;
    }
}
