using System;

namespace GreenProc.Internal;

/// <summary>The hub's FIFO of ready work: a growable ring buffer, touched only by the hub thread.</summary>
internal sealed class RunQueue
{
    private WorkItem[] _items = new WorkItem[256];
    private int _head;
    private int _count;

    public int Count => _count;

    public void Enqueue(in WorkItem item)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        int tail = _head + _count;
        if (tail >= _items.Length)
        {
            tail -= _items.Length;
        }

        _items[tail] = item;
        _count++;
    }

    public bool TryDequeue(out WorkItem item)
    {
        if (_count == 0)
        {
            item = default;
            return false;
        }

        item = _items[_head];
        _items[_head] = default; // let the GC have finished continuations
        if (++_head == _items.Length)
        {
            _head = 0;
        }

        _count--;
        return true;
    }

    private void Grow()
    {
        var bigger = new WorkItem[_items.Length * 2];
        int firstPart = Math.Min(_count, _items.Length - _head);
        Array.Copy(_items, _head, bigger, 0, firstPart);
        Array.Copy(_items, 0, bigger, firstPart, _count - firstPart);
        _items = bigger;
        _head = 0;
    }
}
