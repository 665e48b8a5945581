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

    /// <summary>
    /// How text input and output are encoded (default UTF-8, no byte order mark). Output is decoded as a
    /// <see cref="System.IO.StreamReader"/> with this encoding reads it: a leading byte order mark is dropped, and the
    /// mark of another Unicode form (UTF-8, UTF-16 or UTF-32, either byte order) decides the decoding.
    /// </summary>
    public Encoding Encoding { get; init; } = s_utf8;

    internal static readonly Encoding s_utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    internal static new RunOptions Default { get; } = new();

    /// <summary>
    /// The Popen options of a run and the bytes to feed it: the one place where every entry point of the run API
    /// checks that input, capture and the explicit streams do not contradict each other (as Python's run refuses
    /// "stdin and input arguments", instead of dropping one).
    /// </summary>
    /// <param name="stdoutForText">For CheckOutputAsync: stdout is captured for the text it returns.</param>
    /// <param name="input">The bytes to feed (empty when there is no input).</param>
    internal PopenOptions ToPopenOptions(bool stdoutForText, out ReadOnlyMemory<byte> input)
    {
        if (Input is not null && InputText is not null)
        {
            throw new ArgumentException("Give Input or InputText, not both.", "options");
        }

        bool feeds = Input is not null || InputText is not null;
        if (feeds && Stdin.Kind != RedirectKind.Inherit)
        {
            throw new ArgumentException(
                $"Stdin ({Stdin}) and {(Input is not null ? "Input" : "InputText")} cannot both be given: the input is fed through a pipe that becomes the child's stdin. Leave Stdin unset, or give no input.",
                "options");
        }

        if (stdoutForText && (Stdout.Kind != RedirectKind.Inherit || CaptureOutput))
        {
            throw new ArgumentException("CheckOutputAsync captures stdout itself: leave Stdout and CaptureOutput unset.", "options");
        }

        if (CaptureOutput && (Stdout.Kind != RedirectKind.Inherit || Stderr.Kind != RedirectKind.Inherit))
        {
            throw new ArgumentException("CaptureOutput makes stdout and stderr pipes: leave Stdout and Stderr unset with it.", "options");
        }

        input = InputText is { } text ? Encoding.GetBytes(text) : Input ?? default;
        return ToPopenOptions(
            feeds ? Redirect.Pipe : Stdin,
            stdoutForText || CaptureOutput ? Redirect.Pipe : Stdout,
            CaptureOutput ? Redirect.Pipe : Stderr);
    }

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
