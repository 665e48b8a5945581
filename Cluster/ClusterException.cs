using System;

namespace GreenProc.Cluster;

/// <summary>
/// The base of the distributed pool's own failures: the cluster could not run a task (no node, nodes lost, a task
/// refused). A task's own failures keep the local pool's types: <see cref="Ipc.GipcRemoteException"/>,
/// <see cref="Ipc.WorkerCrashedException"/>, <see cref="Ipc.ProcessPoolTimeoutException"/>, <see cref="OperationCanceledException"/>.
/// </summary>
public class ClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ClusterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public ClusterException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
