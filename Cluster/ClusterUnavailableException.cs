using System;

namespace GreenProc.Cluster;

/// <summary>No node could take work for <see cref="DistributedPoolOptions.NoNodeTimeout"/>: none has joined, or all are lost or stopping.</summary>
public sealed class ClusterUnavailableException : ClusterException
{
    /// <summary>Creates the exception.</summary>
    public ClusterUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ClusterUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ClusterUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
