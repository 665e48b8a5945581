namespace GreenProc.Cluster.Internal;

/// <summary>How one task ended on its node. Only outcomes of the task itself travel back; a node that cannot run a
/// chunk (stopping, its pool gone) fails the whole call instead, and the chunk is submitted elsewhere.</summary>
internal enum OutcomeKind : byte
{
    /// <summary>A result: <see cref="TaskOutcome.Payload"/> is its binary-codec encoding.</summary>
    Result,

    /// <summary>The task threw: <see cref="TaskOutcome.Payload"/> is the remote error record (type, message, stack, inner).</summary>
    Threw,

    /// <summary>Its worker died running it.</summary>
    WorkerCrashed,

    /// <summary>It outlived its timeout.</summary>
    TimedOut,

    /// <summary>It was cancelled (the submitter cancelled, or gave up on the chunk).</summary>
    Cancelled,
}
