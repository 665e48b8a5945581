using System;
using Orleans;

namespace GreenProc.Cluster.Internal;

/// <summary>One task's outcome on a node (<see cref="OutcomeKind"/> says which fields mean something).</summary>
[GenerateSerializer]
[Immutable]
internal readonly record struct TaskOutcome
{
    [Id(0)] public OutcomeKind Kind { get; init; }

    /// <summary>The result's payload, or the remote error record.</summary>
    [Id(1)] public byte[]? Payload { get; init; }

    /// <summary>The worker's process id (its crash, timeout or error).</summary>
    [Id(2)] public int Pid { get; init; }

    /// <summary>A crashed worker's exit code (negative: the signal).</summary>
    [Id(3)] public int? ExitCode { get; init; }

    /// <summary>A crash's stderr tail, or a message.</summary>
    [Id(4)] public string? Text { get; init; }

    /// <summary>The timeout a task outlived.</summary>
    [Id(5)] public TimeSpan Timeout { get; init; }

    /// <summary>Whether the timed-out task's worker was killed.</summary>
    [Id(6)] public bool WorkerKilled { get; init; }
}
