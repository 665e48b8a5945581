using System;
using System.Collections.Generic;
using System.Threading;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// The pool's queue of items not sent yet: a ring buffer, FIFO, with items put back at the front (the rest of an item
/// whose worker died goes ahead of what came later). No node per item, unlike a LinkedList (an allocation per task);
/// removing from the middle (a cancellation) is a shift, and rare.
/// </summary>
internal sealed class ItemQueue
{
    private PoolItem?[] _items = new PoolItem?[64];
    private int _head;
    private int _count;
    private int _taskCount;

    public int Count => _count;

    /// <summary>How many tasks the queued items hold, read from any thread (the metrics' collector).</summary>
    public int TaskCount => Volatile.Read(ref _taskCount);

    public PoolItem First => _count > 0 ? _items[_head]! : throw new InvalidOperationException("The queue is empty.");

    public void AddLast(PoolItem item)
    {
        Grow();
        _items[(_head + _count) & (_items.Length - 1)] = item;
        _count++;
        Volatile.Write(ref _taskCount, _taskCount + item.Count);
    }

    public void AddFirst(PoolItem item)
    {
        Grow();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = item;
        _count++;
        Volatile.Write(ref _taskCount, _taskCount + item.Count);
    }

    public PoolItem RemoveFirst()
    {
        PoolItem item = First;
        _items[_head] = null;
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        Volatile.Write(ref _taskCount, _taskCount - item.Count);
        return item;
    }

    /// <summary>Takes <paramref name="item"/> out wherever it is; false if it is not queued.</summary>
    public bool Remove(PoolItem item)
    {
        int mask = _items.Length - 1;
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_items[(_head + i) & mask], item))
            {
                for (int j = i; j < _count - 1; j++)
                {
                    _items[(_head + j) & mask] = _items[(_head + j + 1) & mask];
                }

                _items[(_head + _count - 1) & mask] = null;
                _count--;
                Volatile.Write(ref _taskCount, _taskCount - item.Count);
                return true;
            }
        }

        return false;
    }

    /// <summary>Empties the queue, returning what it held in order.</summary>
    public List<PoolItem> Drain()
    {
        var all = new List<PoolItem>(_count);
        while (_count > 0)
        {
            all.Add(RemoveFirst());
        }

        return all;
    }

    private void Grow()
    {
        if (_count < _items.Length)
        {
            return;
        }

        var bigger = new PoolItem?[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = bigger;
        _head = 0;
    }
}
