using System;

namespace GreenProc.Ipc;

/// <summary>Settings of one map (<see cref="ProcessPool.MapAsync{TArg, TResult}(Func{TArg, TResult}, System.Collections.Generic.IEnumerable{TArg}, ProcessPoolMapOptions?, System.Threading.CancellationToken)"/>, <c>Imap</c>, <c>ImapUnordered</c>).</summary>
public sealed record ProcessPoolMapOptions
{
    /// <summary>
    /// How many items go to a worker in one message. Null (the default) chooses: for an input whose count is known,
    /// Python's rule (count ÷ (4 × workers)); otherwise it grows from 1 with the measured run time of the tasks, so
    /// that a chunk takes about 2 ms. At most 1,024.
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// How many items may be taken from the input beyond the results the consumer has taken (sent, running, or done
    /// and waiting to be consumed). The input is read no further ahead: an infinite input works, and memory stays flat.
    /// Null (the default): four chunks per worker, and at least 512 items per worker.
    /// </summary>
    public int? MaxInFlight { get; init; }

    /// <summary>The per-task timeout of this map's tasks (see <see cref="ProcessPoolOptions.TaskTimeout"/>, the default).</summary>
    public TimeSpan? TaskTimeout { get; init; }

    /// <summary>Progress reports (at most every 100 ms, and one at the end), sent through <see cref="IProgress{T}.Report"/>.</summary>
    public IProgress<ProcessPoolProgress>? Progress { get; init; }

    internal ProcessPoolMapOptions Validate()
    {
        if (ChunkSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "ChunkSize must be at least 1 (or null: chosen for you).");
        }

        if (MaxInFlight is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInFlight), MaxInFlight, "MaxInFlight must be at least 1 (or null: chosen for you).");
        }

        GreenProc.Internal.Deadline.Validate(TaskTimeout, nameof(TaskTimeout));
        return this;
    }
}
