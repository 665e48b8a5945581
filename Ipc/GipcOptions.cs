using System;

namespace GreenProc.Ipc;

/// <summary>Tuning of a gipc pipe; the defaults suit most uses. Immutable (a record: use <c>with</c>).</summary>
public sealed record GipcOptions
{
    /// <summary>The defaults.</summary>
    public static GipcOptions Default { get; } = new();

    /// <summary>
    /// The largest payload a frame may carry (default 128 MiB). A reader meeting a longer frame raises
    /// <see cref="GipcProtocolException"/> and closes, without allocating; a writer refuses to send one.
    /// </summary>
    public int MaxFrameSize { get; init; } = 128 << 20;

    /// <summary>
    /// The kernel buffer of each pipe (Linux F_SETPIPE_SZ; default 1 MiB, the unprivileged maximum). Fewer, larger
    /// writes and reads per message stream. Null keeps the kernel's 64 KiB. When the kernel refuses (a user over
    /// pipe-user-pages-soft), the pipe keeps its default size.
    /// </summary>
    public int? PipeSize { get; init; } = 1 << 20;

    /// <summary>How many accepted bytes a writer may hold before puts wait for the pipe to drain (default 1 MiB).</summary>
    public int WriteBufferLimit { get; init; } = 1 << 20;

    /// <summary>The reader's buffer: frames up to this size are decoded from it, larger ones are read into their own
    /// array (default 256 KiB).</summary>
    public int ReadBufferSize { get; init; } = 256 << 10;

    internal GipcOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFrameSize, nameof(MaxFrameSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(WriteBufferLimit, 4096, nameof(WriteBufferLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadBufferSize, 4096, nameof(ReadBufferSize));
        if (PipeSize is { } size)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size, nameof(PipeSize));
        }

        return this;
    }
}
