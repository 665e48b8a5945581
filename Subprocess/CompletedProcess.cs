using System.Collections.Generic;
using System.Text;

namespace GreenProc.Subprocess;

/// <summary>The result of <see cref="Subprocess.RunAsync"/>: the command, its exit code and what it wrote (when captured).</summary>
public sealed class CompletedProcess
{
    internal CompletedProcess(IReadOnlyList<string> args, int returnCode, byte[]? stdout, byte[]? stderr, Encoding encoding)
    {
        Args = args;
        ReturnCode = returnCode;
        Stdout = stdout;
        Stderr = stderr;
        Encoding = encoding;
    }

    /// <summary>The command line.</summary>
    public IReadOnlyList<string> Args { get; }

    /// <summary>The exit code; negative when the child was killed by a signal.</summary>
    public int ReturnCode { get; }

    /// <summary>What the child wrote to stdout when it was a pipe (captured); otherwise null.</summary>
    public byte[]? Stdout { get; }

    /// <summary>What the child wrote to stderr when it was a pipe (captured); otherwise null.</summary>
    public byte[]? Stderr { get; }

    /// <summary>The encoding of <see cref="StdoutText"/> and <see cref="StderrText"/>.</summary>
    public Encoding Encoding { get; }

    /// <summary><see cref="Stdout"/> decoded as a StreamReader would (a byte order mark is dropped), or null.</summary>
    public string? StdoutText => Stdout is null ? null : Internal.OutputText.Decode(Encoding, Stdout);

    /// <summary><see cref="Stderr"/> decoded as a StreamReader would (a byte order mark is dropped), or null.</summary>
    public string? StderrText => Stderr is null ? null : Internal.OutputText.Decode(Encoding, Stderr);

    /// <summary>Raises <see cref="CalledProcessException"/> when <see cref="ReturnCode"/> is not 0.</summary>
    /// <returns>This result, for chaining.</returns>
    /// <exception cref="CalledProcessException">The exit code is not 0.</exception>
    public CompletedProcess CheckReturnCode()
        => ReturnCode == 0 ? this : throw new CalledProcessException(Args, ReturnCode, Stdout, Stderr, Encoding);

    /// <inheritdoc />
    public override string ToString() => $"CompletedProcess(args={Internal.CommandText.Format(Args)}, returncode={ReturnCode})";
}
