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

    /// <summary>
    /// How long a hub that is ending (its main greenlet returned, or a <c>Gipc.StartProcess</c> child's target
    /// returned or threw) waits for the reader to take the messages this writer accepted and has not written yet
    /// (default 30 s; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits as long as it takes). When it
    /// passes, those messages are dropped and <c>Green.Run</c> raises <see cref="GipcUndeliveredException"/>: a
    /// reader that stopped reading never hangs the writer's exit silently.
    /// </summary>
    public TimeSpan ExitFlushTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal GipcOptions Validate()
    {
        if (ExitFlushTimeout < TimeSpan.Zero && ExitFlushTimeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ExitFlushTimeout), ExitFlushTimeout, "ExitFlushTimeout must be zero or positive, or Timeout.InfiniteTimeSpan.");
        }

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
