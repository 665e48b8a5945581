using System;
using System.Text;

namespace GreenProc.Subprocess;

/// <summary>Options for <see cref="Subprocess.RunAsync"/> and its relatives: everything <see cref="PopenOptions"/> has,
/// plus input, capture, timeout, check and the text encoding.</summary>
public sealed class RunOptions : PopenOptions
{
    /// <summary>Bytes to feed to stdin (which becomes a pipe); leave stdin alone when set.</summary>
    public ReadOnlyMemory<byte>? Input { get; init; }

    /// <summary>Text to feed to stdin, encoded with <see cref="Encoding"/>; leave stdin alone when set.</summary>
    public string? InputText { get; init; }

    /// <summary>Capture stdout and stderr (both become pipes); leave Stdout/Stderr alone when set.</summary>
    public bool CaptureOutput { get; init; }

    /// <summary>Kill the child when it runs longer, then raise <see cref="SubprocessTimeoutException"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Raise <see cref="CalledProcessException"/> when the exit code is not 0.</summary>
    public bool Check { get; init; }

    /// <summary>How text input and output are encoded (default UTF-8, no byte order mark).</summary>
    public Encoding Encoding { get; init; } = s_utf8;

    internal static readonly Encoding s_utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    internal static new RunOptions Default { get; } = new();

    /// <summary>A copy of the Popen part with the given streams.</summary>
    internal PopenOptions ToPopenOptions(Redirect stdin, Redirect stdout, Redirect stderr) => new()
    {
        Stdin = stdin,
        Stdout = stdout,
        Stderr = stderr,
        WorkingDirectory = WorkingDirectory,
        Environment = Environment,
        EnvironmentOverrides = EnvironmentOverrides,
        PassFds = PassFds,
        Executable = Executable,
        NewProcessGroup = NewProcessGroup,
        NewSession = NewSession,
        KillWithOwner = KillWithOwner,
        PipeDrainGrace = PipeDrainGrace,
        PipeSize = PipeSize,
    };
}
