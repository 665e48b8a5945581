using GreenProc.Internal;

namespace GreenProc;

/// <summary>A <see cref="GreenQueue{T}"/> that hands out the newest item first (gevent's <c>LifoQueue</c>).</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class GreenLifoQueue<T> : GreenQueue<T>
{
    /// <summary>Creates an unbounded LIFO queue.</summary>
    public GreenLifoQueue()
        : base(new LifoStore<T>(), 0)
    {
    }

    /// <summary>Creates a LIFO queue holding at most <paramref name="maxSize"/> items.</summary>
    /// <param name="maxSize">The bound, 1 or more.</param>
    public GreenLifoQueue(int maxSize)
        : base(new LifoStore<T>(), maxSize > 0 ? maxSize : throw new System.ArgumentOutOfRangeException(nameof(maxSize), maxSize, "A bounded queue holds at least 1 item."))
    {
    }
}
