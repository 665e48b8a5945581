using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// The hub's FIFO of ready work, touched only by the hub thread: a chain of fixed-size segments, so that a burst
/// of 100,000 spawns never allocates one giant array on the large-object heap (whose growth costs full GCs).
/// </summary>
internal sealed class RunQueue
{
    // 1024 items x 24 bytes stays well under the 85,000-byte large-object threshold.
    private const int SegmentSize = 1024;

    private Segment _head = new();
    private Segment _tail;
    private Segment? _spare; // one emptied segment kept for reuse: a queue that oscillates allocates nothing
    private int _count;

    public RunQueue() => _tail = _head;

    public int Count => _count;

    /// <summary><see cref="Count"/> read from another thread (metrics): may be one change old, never torn.</summary>
    public int CountAnyThread => Volatile.Read(ref _count);

    public void Enqueue(in WorkItem item)
    {
        Segment tail = _tail;
        if (tail.End == SegmentSize)
        {
            Segment next = _spare ?? new Segment();
            _spare = null;
            tail.Next = next;
            _tail = tail = next;
        }

        tail.Items[tail.End++] = item;
        _count++;
    }

    public bool TryDequeue(out WorkItem item)
    {
        if (_count == 0)
        {
            item = default;
            return false;
        }

        Segment head = _head;
        if (head.Start == SegmentSize)
        {
            Segment next = head.Next!;
            head.Start = head.End = 0;
            head.Next = null;
            _spare = head;
            _head = head = next;
        }

        item = head.Items[head.Start];
        head.Items[head.Start++] = default; // let the GC have finished continuations
        if (--_count == 0)
        {
            head.Start = head.End = 0; // empty: rewind instead of walking to a new segment
        }

        return true;
    }

    private sealed class Segment
    {
        public readonly WorkItem[] Items = new WorkItem[SegmentSize];
        public int Start;
        public int End;
        public Segment? Next;
    }
}
