using System;

namespace GreenProc.Ipc;

/// <summary>
/// A gipc handle was used after it was disposed, or after it was passed to a child process with <c>Gipc.StartProcess</c> (the parent's copy is closed once the child has it).
/// </summary>
public sealed class GipcClosedException : GipcException
{
    /// <summary>Creates the exception.</summary>
    public GipcClosedException()
        : base("The handle is closed, or was moved to a child process: it can no longer be used here.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public GipcClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public GipcClosedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
