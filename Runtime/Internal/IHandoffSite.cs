namespace GreenProc.Internal;

/// <summary>
/// A site that hands something to the waiter it wakes (a semaphore permit, lock ownership, a queue item). If a kill
/// reaches the woken greenlet before it resumes, the wait raises the kill instead, and the site gets the thing back
/// so that it is passed on, never lost.
/// </summary>
internal interface IHandoffSite
{
    void ReturnHandoff(Waiter waiter, object? handoff);
}
