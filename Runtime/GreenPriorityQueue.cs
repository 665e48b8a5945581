using System.Collections.Generic;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A <see cref="GreenQueue{T}"/> that hands out the smallest item first (gevent's <c>PriorityQueue</c>); equal items
/// come out in the order they went in.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class GreenPriorityQueue<T> : GreenQueue<T>
{
    /// <summary>Creates an unbounded priority queue.</summary>
    /// <param name="comparer">Orders the items; null for <see cref="Comparer{T}.Default"/>.</param>
    public GreenPriorityQueue(IComparer<T>? comparer = null)
        : base(new PriorityStore<T>(comparer), 0)
    {
    }

    /// <summary>Creates a priority queue holding at most <paramref name="maxSize"/> items.</summary>
    /// <param name="maxSize">The bound, 1 or more.</param>
    /// <param name="comparer">Orders the items; null for <see cref="Comparer{T}.Default"/>.</param>
    public GreenPriorityQueue(int maxSize, IComparer<T>? comparer = null)
        : base(new PriorityStore<T>(comparer), maxSize > 0 ? maxSize : throw new System.ArgumentOutOfRangeException(nameof(maxSize), maxSize, "A bounded queue holds at least 1 item."))
    {
    }
}
