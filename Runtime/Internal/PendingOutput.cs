using System;

namespace GreenProc.Internal;

/// <summary>
/// Output that a component has accepted and not yet written to its descriptor (a gipc writer's frames, which a flusher
/// greenlet sends in the background). While any is pending the component is on its hub's list, and when the main
/// greenlet ends the hub writes it out before <c>Green.Run</c> returns (<see cref="Hub"/>, "exit flush"): greenlets are
/// abandoned at that point, as in gevent, but what a put accepted is still delivered, or its loss is raised.
/// </summary>
/// <remarks>
/// Everything here runs on the hub's thread. At exit the hub calls <see cref="WriteAtExit"/> until it returns null,
/// waiting in poll(2) on the returned descriptor in between; a writer whose reader does not take the rest within
/// <see cref="ExitTimeout"/> is given up with <see cref="AbandonAtExit"/>. Then <see cref="TakeUnreportedLoss"/> says
/// what was lost that nobody has been told of yet.
/// </remarks>
internal abstract class PendingOutput
{
    // The hub's intrusive list of pending outputs: joining and leaving it is O(1) and allocates nothing, since a busy
    // writer joins and leaves once per burst of messages.
    internal PendingOutput? PreviousPending;
    internal PendingOutput? NextPending;
    internal Hub? PendingHub;

    /// <summary>How long the hub may wait at exit for the reader to take what is pending (infinite: as long as it takes).</summary>
    internal abstract TimeSpan ExitTimeout { get; }

    /// <summary>
    /// Writes what the descriptor takes without blocking. Returns the descriptor to wait on for room while more is
    /// pending, or null when nothing is (all written, or a write failed: the loss is recorded, not thrown).
    /// </summary>
    internal abstract SafeFdHandle? WriteAtExit();

    /// <summary>The reader did not take the rest in time: drop it, close, and record the loss.</summary>
    /// <param name="waited">How long the hub waited.</param>
    internal abstract void AbandonAtExit(TimeSpan waited);

    /// <summary>A loss (dropped messages) that no call has reported to the user yet; null if none. Reported once.</summary>
    /// <returns>The exception describing it.</returns>
    internal abstract Exception? TakeUnreportedLoss();
}
