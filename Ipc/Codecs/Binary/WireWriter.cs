using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// Writes one payload into an <see cref="IBufferWriter{T}"/>: it holds the span the writer handed out and advances
/// the writer only when that span is full or at <see cref="Flush"/>, so a small message costs one
/// <c>GetSpan</c>/<c>Advance</c> pair however many fields it has.
/// </summary>
internal ref struct WireWriter
{
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _pos;

    public WireWriter(IBufferWriter<byte> output)
    {
        _output = output;
        _span = default;
        _pos = 0;
    }

    /// <summary>Room for at least <paramref name="size"/> bytes at the write position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int size)
    {
        if (_span.Length - _pos < size)
        {
            Grow(size);
        }

        return _span.Slice(_pos);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count) => _pos += count;

    /// <summary>Hands the bytes written so far to the output.</summary>
    public void Flush()
    {
        if (_pos > 0)
        {
            _output.Advance(_pos);
        }

        _pos = 0;
        _span = default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_pos >= _span.Length)
        {
            Grow(1);
        }

        _span[_pos++] = value;
    }

    /// <summary>A fixed-size value in its in-memory (little-endian) layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUnmanaged<T>(T value)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (_span.Length - _pos < size)
        {
            Grow(size);
        }

        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), _pos), value);
        _pos += size;
    }

    /// <summary>An unsigned LEB128 varint: 7 bits a byte, low bits first, high bit set on all but the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarUInt32(uint value)
    {
        if (value < 0x80 && _pos < _span.Length)
        {
            _span[_pos++] = (byte)value;
            return;
        }

        WriteVarUInt32Slow(value);
    }

    /// <summary>Raw bytes, copied in as many pieces as the output's spans need.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            int room = _span.Length - _pos;
            if (bytes.Length <= room)
            {
                bytes.CopyTo(_span.Slice(_pos));
                _pos += bytes.Length;
                return;
            }

            if (room > 0)
            {
                bytes.Slice(0, room).CopyTo(_span.Slice(_pos));
                _pos += room;
                bytes = bytes.Slice(room);
            }

            // Ask for what is left, capped, so that a huge blob does not make the output allocate it in one piece.
            Grow(Math.Min(bytes.Length, 64 * 1024));
        }
    }

    private void WriteVarUInt32Slow(uint value)
    {
        Span<byte> span = GetSpan(5);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _pos += i;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        if (_pos > 0)
        {
            _output.Advance(_pos);
            _pos = 0;
        }

        _span = _output.GetSpan(size);
        if (_span.Length < size)
        {
            BinaryThrowHelper.ThrowShortSpan(size, _span.Length);
        }
    }
}
