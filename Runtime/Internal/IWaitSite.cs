namespace GreenProc.Internal;

/// <summary>
/// Something a <see cref="Waiter"/> parks on (a greenlet's links, an fd, a blocking call). When the waiter wakes
/// for another reason (kill, timeout, cancellation, close) the site is told to forget it.
/// </summary>
internal interface IWaitSite
{
    /// <summary>Removes <paramref name="waiter"/>; it is waking for a reason of its own.</summary>
    void Abandon(Waiter waiter);

    /// <summary>What the parked greenlet waits on, for deadlock reports ("join of greenlet 'x'", "read on fd 7").</summary>
    string Describe(Waiter waiter);
}
