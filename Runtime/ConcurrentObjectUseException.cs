using System;

namespace GreenProc;

/// <summary>
/// Two greenlets tried to use one object in a way only one may at a time, e.g. both wait to read the same fd
/// (gevent's <c>ConcurrentObjectUseError</c>). Give each greenlet its own object, or serialize them with a lock.
/// </summary>
public class ConcurrentObjectUseException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was used twice and by whom.</param>
    public ConcurrentObjectUseException(string message)
        : base(message)
    {
    }
}
