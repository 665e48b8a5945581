using System;
using System.Buffers;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// A growable byte buffer that can be rewound (a task whose argument fails to encode is cut out of the batch being
/// built, and only it fails). Reused for every message the pool builds on its hub.
/// </summary>
internal sealed class ByteBuilder : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[4096];

    public int Position { get; set; }

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Position);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - Position))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        Position += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(Position);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(Position);
    }

    /// <summary>Writes an int32 at <paramref name="at"/> (a length or count patched in after what it counts).</summary>
    public void Patch(int at, int value) => System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(at), value);

    /// <summary>Writes an int64 at <paramref name="at"/>.</summary>
    public void PatchInt64(int at, long value) => System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(at), value);

    private void Ensure(int sizeHint)
    {
        int need = Position + Math.Max(sizeHint, 1);
        if (need > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(need, _buffer.Length * 2));
        }
    }
}
