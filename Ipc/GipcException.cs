using System;

namespace GreenProc.Ipc;

/// <summary>
/// The base of gipc's errors: a handle used after it was closed or moved to a child (<see cref="GipcClosedException"/>),
/// used by two greenlets at once (<see cref="GipcLockedException"/>), or a corrupt, truncated or oversized frame
/// (<see cref="GipcProtocolException"/>). A peer that closed its end at a frame boundary is an
/// <see cref="System.IO.EndOfStreamException"/> instead, as in gipc.
/// </summary>
public class GipcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GipcException()
        : base("A gipc operation failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public GipcException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public GipcException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
