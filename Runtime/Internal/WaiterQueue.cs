using System.Diagnostics;

namespace GreenProc.Internal;

/// <summary>
/// A FIFO of parked waiters, linked through the waiters themselves: queuing, waking the first and removing one
/// that timed out are O(1) and allocate nothing. A mutable struct: keep it in a field and never copy it.
/// </summary>
internal struct WaiterQueue
{
    private Waiter? _head;
    private Waiter? _tail;

    public int Count { get; private set; }

    public readonly bool IsEmpty => _head is null;

    public readonly Waiter? First => _head;

    public void Enqueue(Waiter w)
    {
        Debug.Assert(w.QueueNext is null && w.QueuePrevious is null);
        w.QueuePrevious = _tail;
        if (_tail is null)
        {
            _head = w;
        }
        else
        {
            _tail.QueueNext = w;
        }

        _tail = w;
        Count++;
    }

    public Waiter? Dequeue()
    {
        Waiter? w = _head;
        if (w is not null)
        {
            Remove(w);
        }

        return w;
    }

    /// <summary>Removes <paramref name="w"/> if it is queued here; returns whether it was.</summary>
    public bool Remove(Waiter w)
    {
        if (w.QueuePrevious is null && !ReferenceEquals(_head, w))
        {
            return false;
        }

        if (w.QueuePrevious is null)
        {
            _head = w.QueueNext;
        }
        else
        {
            w.QueuePrevious.QueueNext = w.QueueNext;
        }

        if (w.QueueNext is null)
        {
            _tail = w.QueuePrevious;
        }
        else
        {
            w.QueueNext.QueuePrevious = w.QueuePrevious;
        }

        w.QueueNext = w.QueuePrevious = null;
        Count--;
        return true;
    }
}
