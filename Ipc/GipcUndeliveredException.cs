using System;

namespace GreenProc.Ipc;

/// <summary>
/// Messages that a gipc writer had accepted (a put returned) were never delivered: the process was ending and the
/// reader did not take them within <see cref="GipcOptions.ExitFlushTimeout"/>, or the reading end was closed before
/// they were written and no later call of this writer had said so. Raised by <c>Green.Run</c> when its main greenlet
/// ends (in a <c>Gipc.StartProcess</c> child: the child exits with code 1 and this on stderr).
/// </summary>
public sealed class GipcUndeliveredException : GipcException
{
    /// <summary>Creates the exception.</summary>
    public GipcUndeliveredException()
        : base("Messages a gipc writer had accepted were not delivered.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public GipcUndeliveredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public GipcUndeliveredException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal GipcUndeliveredException(string message, long undeliveredBytes, Exception? innerException)
        : base(message, innerException)
    {
        UndeliveredBytes = undeliveredBytes;
    }

    /// <summary>How many bytes of accepted frames (headers included) were not written.</summary>
    public long UndeliveredBytes { get; }
}
