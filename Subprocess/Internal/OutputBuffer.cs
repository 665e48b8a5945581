using System;
using System.Buffers;
using System.Collections.Generic;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Collects a child's output in pooled 64 KiB chunks (no doubling copies for large outputs) and hands out the bytes
/// read so far as one array. Reads go straight into the free tail of the last chunk.
/// </summary>
internal sealed class OutputBuffer : IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]> _chunks = new();
    private readonly List<int> _used = new(); // bytes used in each full chunk (all but the last)
    private int _lastUsed;
    private long _length;

    public long Length => _length;

    /// <summary>Free space to read into (at least 4 KiB, so a nearly full chunk does not cause tiny reads).</summary>
    public Memory<byte> GetWritable()
    {
        if (_chunks.Count == 0 || ChunkSize - _lastUsed < 4096)
        {
            if (_chunks.Count > 0)
            {
                _used.Add(_lastUsed);
            }

            _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
            _lastUsed = 0;
        }

        byte[] last = _chunks[^1];
        return last.AsMemory(_lastUsed, Math.Min(last.Length, ChunkSize) - _lastUsed);
    }

    public void Advance(int count)
    {
        _lastUsed += count;
        _length += count;
    }

    public byte[] ToArray()
    {
        if (_length > Array.MaxLength)
        {
            throw new InvalidOperationException($"The child wrote {_length} bytes, more than one .NET array can hold; read its stream instead of communicating.");
        }

        var result = new byte[_length];
        int offset = 0;
        for (int i = 0; i < _chunks.Count; i++)
        {
            int used = i == _chunks.Count - 1 ? _lastUsed : _used[i];
            _chunks[i].AsSpan(0, used).CopyTo(result.AsSpan(offset));
            offset += used;
        }

        return result;
    }

    public void Dispose()
    {
        foreach (byte[] chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _chunks.Clear();
        _used.Clear();
        _lastUsed = 0;
        _length = 0;
    }
}
