using System;

namespace GreenProc;

/// <summary>
/// Raised inside a greenlet at its current switch point by <see cref="Greenlet.KillAsync"/>. A greenlet that ends
/// with it counts as successful (<see cref="Greenlet.IsSuccessful"/>, <see cref="Greenlet.Killed"/>) and is not
/// reported to <see cref="Hub.ErrorHandler"/>. Catch it only to clean up, then let it propagate.
/// </summary>
public class GreenletExit : Exception
{
    /// <summary>Creates the default kill signal.</summary>
    public GreenletExit()
        : base("The greenlet was killed.")
    {
    }

    /// <summary>Creates a kill signal with a message.</summary>
    /// <param name="message">Why the greenlet was killed.</param>
    public GreenletExit(string message)
        : base(message)
    {
    }

    /// <summary>Creates a kill signal with a message and an inner exception.</summary>
    /// <param name="message">Why the greenlet was killed.</param>
    /// <param name="innerException">The cause.</param>
    public GreenletExit(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
