using System;

namespace GreenProc;

/// <summary>
/// A cooperative wait ran past a deadline. <see cref="Timeout"/> is the scope that fired: compare it with the
/// <see cref="GreenTimeout"/> you started to tell your own timeout from an outer one, which must be let through.
/// </summary>
public class GreenTimeoutException : TimeoutException
{
    /// <summary>Creates the exception for the scope <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The scope that fired.</param>
    public GreenTimeoutException(GreenTimeout timeout)
        : base(timeout.DescribeExpiry())
    {
        Timeout = timeout;
    }

    /// <summary>The scope that fired: a <see cref="GreenTimeout"/> you started, or the one a <c>timeout</c> argument made.</summary>
    public GreenTimeout Timeout { get; }
}
