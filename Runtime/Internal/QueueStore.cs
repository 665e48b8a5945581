using System;
using System.Collections.Generic;

namespace GreenProc.Internal;

/// <summary>Where a <see cref="GreenQueue{T}"/> keeps its items: FIFO, LIFO or by priority.</summary>
internal abstract class QueueStore<T>
{
    public abstract int Count { get; }

    public abstract void Add(T item);

    public abstract T Take();

    public abstract T Peek();

    /// <summary>Puts back an item a killed getter was handed, so that it is the next one taken.</summary>
    public abstract void Return(T item);
}

/// <summary>FIFO: a growable ring buffer that can also put an item back at the front.</summary>
internal sealed class FifoStore<T> : QueueStore<T>
{
    // A power-of-two capacity, so that wrapping is a mask, not a division (this is the per-item path).
    private T[] _items = new T[16];
    private int _head;
    private int _count;

    public override int Count => _count;

    public override void Add(T item)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)] = item;
        _count++;
    }

    public override T Take()
    {
        T item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        return item;
    }

    public override T Peek() => _items[_head];

    public override void Return(T item)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = item;
        _count++;
    }

    private void Grow()
    {
        var bigger = new T[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = bigger;
        _head = 0;
    }
}

/// <summary>LIFO: the newest item is taken first.</summary>
internal sealed class LifoStore<T> : QueueStore<T>
{
    private readonly Stack<T> _items = new();

    public override int Count => _items.Count;

    public override void Add(T item) => _items.Push(item);

    public override T Take() => _items.Pop();

    public override T Peek() => _items.Peek();

    public override void Return(T item) => _items.Push(item);
}

/// <summary>By priority: the smallest item (by the comparer) first; equal items in insertion order.</summary>
internal sealed class PriorityStore<T> : QueueStore<T>
{
    private readonly PriorityQueue<T, (T Item, long Order)> _items;
    private long _order;
    private long _front = -1;

    public PriorityStore(IComparer<T>? comparer)
    {
        IComparer<T> c = comparer ?? Comparer<T>.Default;
        _items = new PriorityQueue<T, (T, long)>(Comparer<(T Item, long Order)>.Create((a, b) =>
        {
            int byItem = c.Compare(a.Item, b.Item);
            return byItem != 0 ? byItem : a.Order.CompareTo(b.Order);
        }));
    }

    public override int Count => _items.Count;

    public override void Add(T item) => _items.Enqueue(item, (item, _order++));

    public override T Take() => _items.Dequeue();

    public override T Peek() => _items.Peek();

    public override void Return(T item) => _items.Enqueue(item, (item, _front--)); // ahead of its equals
}
