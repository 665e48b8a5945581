using System;

namespace GreenProc.Cluster;

/// <summary>A chunk's node was lost (it stopped answering within <see cref="DistributedPoolOptions.NodeTimeout"/>, or its calls failed) on <see cref="DistributedPoolOptions.MaxAttempts"/> nodes in a row: its tasks fail with this rather than travel the cluster for ever.</summary>
public sealed class ClusterNodeLostException : ClusterException
{
    /// <summary>Creates the exception.</summary>
    public ClusterNodeLostException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ClusterNodeLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ClusterNodeLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
