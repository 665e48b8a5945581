namespace GreenProc.Internal;

/// <summary>
/// An entry of one of the hub's timer heaps. Timers are objects owned by what they time (a waiter, a timeout
/// scope, a delayed start), so arming one allocates nothing.
/// </summary>
internal abstract class HubTimer
{
    /// <summary>When it is due, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long Due;

    /// <summary>Arming order: timers due at the same tick fire in the order they were armed.</summary>
    public long Sequence;

    /// <summary>Position in the heap, or -1 when not armed.</summary>
    public int HeapIndex = -1;

    public bool IsArmed => HeapIndex >= 0;

    /// <summary>Runs on the hub thread once the timer is due and has been taken off its heap.</summary>
    public abstract void Fire();
}
