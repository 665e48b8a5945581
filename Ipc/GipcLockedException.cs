using System;

namespace GreenProc.Ipc;

/// <summary>
/// Two greenlets used one handle in the same direction at once: a second <c>GetAsync</c> while one is pending. gipc raises the same (<c>GIPCLocked</c>). Puts from several greenlets are allowed: each frame is appended whole, in FIFO order.
/// </summary>
public sealed class GipcLockedException : GipcException
{
    /// <summary>Creates the exception.</summary>
    public GipcLockedException()
        : base("Another greenlet is using this handle in the same direction; a handle serves one reader at a time.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public GipcLockedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public GipcLockedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
