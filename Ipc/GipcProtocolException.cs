using System;

namespace GreenProc.Ipc;

/// <summary>
/// The byte stream on the pipe is not valid gipc framing: a header with an unknown version, a length beyond <c>GipcOptions.MaxFrameSize</c>, a payload the codec cannot decode, or a peer that closed in the middle of a frame. The handle is closed: after a framing error the stream cannot be trusted to resynchronise.
/// </summary>
public sealed class GipcProtocolException : GipcException
{
    /// <summary>Creates the exception.</summary>
    public GipcProtocolException()
        : base("A frame on the pipe is corrupt, truncated or larger than allowed; the handle has been closed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public GipcProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public GipcProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
