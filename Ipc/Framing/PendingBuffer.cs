using System;
using System.Buffers;
using System.Collections.Generic;
using GreenProc.Internal;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The bytes a writer has accepted but not yet written: whole frames, in order, in pinned chunks (so one writev can
/// point into several of them without pinning per call). Frames are encoded straight into it
/// (<see cref="IBufferWriter{T}"/>); a frame whose encoding fails is cut off again, so only whole frames are ever here.
/// </summary>
internal sealed class PendingBuffer : IBufferWriter<byte>
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxSpareChunks = 8;

    // Chunks in order; [_head] is being written out from _headStart, the last one is being filled up to its End.
    private readonly List<Chunk> _chunks = new();
    private readonly Stack<byte[]> _spare = new();
    private int _head;
    private int _headStart;

    /// <summary>Bytes pending.</summary>
    public long Length { get; private set; }

    public bool IsEmpty => Length == 0;

    /// <summary>The write position, to patch a header there or to cut a failed frame off.</summary>
    public (int Chunk, int Offset, long Length) Mark()
    {
        if (_chunks.Count == _head)
        {
            AddChunk(ChunkSize);
        }

        return (_chunks.Count - 1, _chunks[^1].End, Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_chunks.Count == _head || _chunks[^1].Array.Length - _chunks[^1].End < sizeHint)
        {
            AddChunk(Math.Max(ChunkSize, sizeHint));
        }

        Chunk tail = _chunks[^1];
        return tail.Array.AsSpan(tail.End);
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        GetSpan(sizeHint);
        Chunk tail = _chunks[^1];
        return tail.Array.AsMemory(tail.End);
    }

    public void Advance(int count)
    {
        Chunk tail = _chunks[^1];
        if ((uint)count > (uint)(tail.Array.Length - tail.End))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        tail.End += count;
        Length += count;
    }

    /// <summary>Reserves <paramref name="count"/> contiguous bytes (a header) and returns where they are.</summary>
    public (int Chunk, int Offset) Reserve(int count)
    {
        GetSpan(count);
        int chunk = _chunks.Count - 1;
        int offset = _chunks[chunk].End;
        Advance(count);
        return (chunk, offset);
    }

    public Span<byte> At(int chunk, int offset, int count) => _chunks[chunk].Array.AsSpan(offset, count);

    /// <summary>Drops everything written after <paramref name="mark"/> (a frame whose encoding failed).</summary>
    public void CutTo((int Chunk, int Offset, long Length) mark)
    {
        while (_chunks.Count - 1 > mark.Chunk)
        {
            Release(_chunks[^1].Array);
            _chunks.RemoveAt(_chunks.Count - 1);
        }

        _chunks[mark.Chunk].End = mark.Offset;
        Length = mark.Length;
    }

    /// <summary>Puts <paramref name="bytes"/> in front of everything pending (the unsent rest of a direct write).</summary>
    public void Prepend(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        byte[] array = Rent(bytes.Length);
        bytes.CopyTo(array);
        Compact();
        System.Diagnostics.Debug.Assert(_headStart == 0, "only bytes nobody has started writing can follow a prepended rest");
        _chunks.Insert(0, new Chunk(array, bytes.Length));
        _headStart = 0;
        Length += bytes.Length;
    }

    /// <summary>The first unwritten bytes, contiguous (one chunk's worth): what a completion-port write sends next.</summary>
    public ReadOnlyMemory<byte> First()
    {
        for (int i = _head; i < _chunks.Count; i++)
        {
            Chunk c = _chunks[i];
            int start = i == _head ? _headStart : 0;
            if (c.End > start)
            {
                return c.Array.AsMemory(start, c.End - start);
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>Fills <paramref name="segments"/> with the pending bytes, in order; returns how many were used.</summary>
    public unsafe int Gather(Span<IOSegment> segments)
    {
        int n = 0;
        for (int i = _head; i < _chunks.Count && n < segments.Length; i++)
        {
            Chunk c = _chunks[i];
            int start = i == _head ? _headStart : 0;
            if (c.End - start == 0)
            {
                continue;
            }

            // Chunks come from the pinned object heap: the address stays valid for the duration of the syscall.
            segments[n++] = new IOSegment((byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref c.Array[start]), c.End - start);
        }

        return n;
    }

    /// <summary>Marks <paramref name="count"/> bytes at the front as written.</summary>
    public void Consume(long count)
    {
        Length -= count;
        while (count > 0)
        {
            Chunk c = _chunks[_head];
            int available = c.End - _headStart;
            if (count < available)
            {
                _headStart += (int)count;
                return;
            }

            count -= available;
            bool isTail = _head == _chunks.Count - 1;
            if (isTail)
            {
                // Keep the tail chunk for the next frames: just empty it.
                c.End = 0;
                _headStart = 0;
                Compact();
                return;
            }

            Release(c.Array);
            _head++;
            _headStart = 0;
        }

        Compact();
    }

    /// <summary>Returns every chunk (the writer is closing).</summary>
    public void Clear()
    {
        for (int i = _head; i < _chunks.Count; i++)
        {
            Release(_chunks[i].Array);
        }

        _chunks.Clear();
        _spare.Clear();
        _head = 0;
        _headStart = 0;
        Length = 0;
    }

    private void Compact()
    {
        if (_head > 0)
        {
            _chunks.RemoveRange(0, _head);
            _head = 0;
        }
    }

    private void AddChunk(int size) => _chunks.Add(new Chunk(Rent(size), 0));

    private byte[] Rent(int size)
    {
        if (size <= ChunkSize && _spare.Count > 0)
        {
            return _spare.Pop();
        }

        return GC.AllocateUninitializedArray<byte>(Math.Max(size, ChunkSize), pinned: true);
    }

    private void Release(byte[] array)
    {
        if (array.Length == ChunkSize && _spare.Count < MaxSpareChunks)
        {
            _spare.Push(array);
        }
    }

    // A class, not a struct: List<T> of a reference type runs on the shared precompiled code, so a fresh process (a
    // StartProcess child) does not JIT a List<Chunk> of its own before its first message.
    private sealed class Chunk(byte[] array, int end)
    {
        public byte[] Array { get; } = array;

        public int End { get; set; } = end;
    }
}
