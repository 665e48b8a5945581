using System;

namespace GreenProc.Cluster;

/// <summary>A node refused a task that is not on its allow-list (<see cref="ClusterNodeOptions.AddTask{TArg, TResult}(Func{TArg, TResult})"/>). Not retried elsewhere: every node must register the same tasks.</summary>
public sealed class ClusterTaskRefusedException : ClusterException
{
    /// <summary>Creates the exception.</summary>
    public ClusterTaskRefusedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ClusterTaskRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ClusterTaskRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
