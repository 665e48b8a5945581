using System;

namespace GreenProc;

/// <summary>
/// The main greenlet waits and nothing can ever wake it: no greenlet is ready, no timer is armed, no fd is watched
/// and no outside thread or cancellation token can post to the hub (gevent's <c>LoopExit</c>). The message lists
/// what every parked greenlet waits on. It is raised in the main greenlet at its wait, so it reaches the caller of
/// <see cref="Green.Run(Func{System.Threading.Tasks.Task}, HubOptions?)"/> unless main catches it.
/// </summary>
public class HubDeadlockException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The report of parked greenlets.</param>
    public HubDeadlockException(string message)
        : base(message)
    {
    }
}
