using System;

namespace GreenProc;

/// <summary>Settings of a hub created by <see cref="Green.Run(Func{System.Threading.Tasks.Task}, HubOptions?)"/>.</summary>
public sealed record HubOptions
{
    /// <summary>Which reactor waits for fds and timers.</summary>
    public ReactorKind Reactor { get; init; } = ReactorKind.Default;

    /// <summary>Receives errors that escape greenlets and hub callbacks; null keeps the default (one report on stderr).</summary>
    public Action<Greenlet?, Exception>? ErrorHandler { get; init; }

    /// <summary>
    /// Whether a main greenlet that can never be woken raises <see cref="HubDeadlockException"/> (default) instead
    /// of blocking forever. Turn it off only if greenlets are woken by means the hub cannot see.
    /// </summary>
    public bool DetectDeadlocks { get; init; } = true;

    /// <summary>
    /// How long one pass over ready greenlets may run before timers and I/O get a turn (gevent's switch interval).
    /// </summary>
    public TimeSpan MaxReadyPass { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The blocked-hub monitor (off when null): reports callbacks that hold the hub too long.</summary>
    public HubBlockingMonitorOptions? BlockingMonitor { get; init; }
}
