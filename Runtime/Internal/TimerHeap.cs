using System;
using System.Diagnostics;

namespace GreenProc.Internal;

/// <summary>
/// A binary min-heap of <see cref="HubTimer"/>s ordered by (due, arming order), with O(log n) removal so that a
/// wait that finishes early takes its timer out at once instead of leaving garbage behind.
/// </summary>
internal sealed class TimerHeap
{
    private HubTimer[] _heap = new HubTimer[64];
    private int _count;
    private long _sequence;

    public int Count => _count;

    public HubTimer? Peek => _count > 0 ? _heap[0] : null;

    public void Add(HubTimer timer, long due)
    {
        Debug.Assert(!timer.IsArmed);
        timer.Due = due;
        timer.Sequence = _sequence++;
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        _heap[_count] = timer;
        timer.HeapIndex = _count;
        _count++;
        SiftUp(timer.HeapIndex);
    }

    public void Remove(HubTimer timer)
    {
        int i = timer.HeapIndex;
        if (i < 0)
        {
            return;
        }

        timer.HeapIndex = -1;
        _count--;
        if (i == _count)
        {
            _heap[i] = null!;
            return;
        }

        HubTimer last = _heap[_count];
        _heap[_count] = null!;
        _heap[i] = last;
        last.HeapIndex = i;
        if (i > 0 && Less(last, _heap[(i - 1) / 2]))
        {
            SiftUp(i);
        }
        else
        {
            SiftDown(i);
        }
    }

    /// <summary>Takes the earliest timer off the heap if it is due at <paramref name="now"/>.</summary>
    public HubTimer? PopDue(long now)
    {
        if (_count == 0 || _heap[0].Due > now)
        {
            return null;
        }

        HubTimer top = _heap[0];
        Remove(top);
        return top;
    }

    private static bool Less(HubTimer a, HubTimer b)
        => a.Due < b.Due || (a.Due == b.Due && a.Sequence < b.Sequence);

    private void SiftUp(int i)
    {
        HubTimer item = _heap[i];
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            HubTimer p = _heap[parent];
            if (!Less(item, p))
            {
                break;
            }

            _heap[i] = p;
            p.HeapIndex = i;
            i = parent;
        }

        _heap[i] = item;
        item.HeapIndex = i;
    }

    private void SiftDown(int i)
    {
        HubTimer item = _heap[i];
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && Less(_heap[child + 1], _heap[child]))
            {
                child++;
            }

            if (!Less(_heap[child], item))
            {
                break;
            }

            _heap[i] = _heap[child];
            _heap[i].HeapIndex = i;
            i = child;
        }

        _heap[i] = item;
        item.HeapIndex = i;
    }
}
