using System;

namespace GreenProc.Ipc;

/// <summary>
/// A <see cref="ProcessPool"/> worker's initializer threw: the pool cannot run anything (every worker runs the same
/// initializer), so every task, queued or later, fails with this. The initializer's exception is the inner exception.
/// </summary>
public sealed class ProcessPoolInitializationException : GipcException
{
    /// <summary>Creates the exception.</summary>
    public ProcessPoolInitializationException()
        : base("The process pool's initializer failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ProcessPoolInitializationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause (the initializer's exception).</param>
    public ProcessPoolInitializationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal ProcessPoolInitializationException(int worker, GipcRemoteException error)
        : base($"The process pool's initializer failed in worker {worker} ({error.RemoteType}: {error.Message}); the pool cannot run tasks. Fix the initializer and create a new pool.", error)
    {
    }
}
