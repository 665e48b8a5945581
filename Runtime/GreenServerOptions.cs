using System;

namespace GreenProc;

/// <summary>Settings of a <see cref="GreenServer"/>.</summary>
public sealed record GreenServerOptions
{
    /// <summary>The listen backlog: connections the kernel queues before the server accepts them. Default 128.</summary>
    public int Backlog { get; init; } = 128;

    /// <summary>
    /// The most connections handled at once (a <see cref="GreenPool"/> of this size runs the handlers); at the limit
    /// the server stops accepting until one ends, and new clients wait in the kernel's backlog. Null: no limit.
    /// </summary>
    public int? MaxConnections { get; init; }

    /// <summary>
    /// How long <see cref="GreenServer.StopAsync"/> lets the connections in flight finish before it kills them, when
    /// the call gives no timeout of its own. Default 1 s (gevent's <c>stop_timeout</c>).
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
