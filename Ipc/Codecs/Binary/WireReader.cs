using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// Reads one payload. Every read checks the bytes that remain first and raises <see cref="GipcProtocolException"/>
/// when the payload ends early, so hostile input can never index out of the span or make the decoder allocate more
/// than the payload could describe.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _pos;

    public WireReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _pos = 0;
    }

    public readonly int Remaining => _buffer.Length - _pos;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        if ((uint)_pos >= (uint)_buffer.Length)
        {
            BinaryThrowHelper.ThrowTruncated();
        }

        return _buffer[_pos++];
    }

    /// <summary>A presence byte: 0 (null) or 1 (a value follows); anything else is corrupt.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadPresence()
    {
        byte b = ReadByte();
        if (b > 1)
        {
            BinaryThrowHelper.ThrowBadPresence(b);
        }

        return b != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T ReadUnmanaged<T>()
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (_buffer.Length - _pos < size)
        {
            BinaryThrowHelper.ThrowTruncated();
        }

        T value = Unsafe.ReadUnaligned<T>(ref Unsafe.Add(ref MemoryMarshal.GetReference(_buffer), _pos));
        _pos += size;
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> ReadSpan(int length)
    {
        if ((uint)length > (uint)(_buffer.Length - _pos))
        {
            BinaryThrowHelper.ThrowTruncated();
        }

        ReadOnlySpan<byte> span = _buffer.Slice(_pos, length);
        _pos += length;
        return span;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadVarUInt32()
    {
        if ((uint)_pos < (uint)_buffer.Length)
        {
            byte b = _buffer[_pos];
            if (b < 0x80)
            {
                _pos++;
                return b;
            }
        }

        return ReadVarUInt32Slow();
    }

    /// <summary>
    /// A count written as <c>count + 1</c> (0 meaning null), checked against the remaining bytes: each of the
    /// <c>count</c> items takes at least <paramref name="minItemSize"/> bytes, so a count the payload cannot hold is
    /// rejected before anything is allocated for it.
    /// </summary>
    /// <returns>The count, or -1 for null.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadNullableCount(int minItemSize)
    {
        uint n = ReadVarUInt32();
        if (n == 0)
        {
            return -1;
        }

        n--;
        if ((ulong)n * (uint)minItemSize > (ulong)(uint)(_buffer.Length - _pos))
        {
            BinaryThrowHelper.ThrowCountTooLarge(n, Remaining);
        }

        return (int)n;
    }

    /// <summary>A count (never null), checked like <see cref="ReadNullableCount"/>.</summary>
    public int ReadCount(int minItemSize)
    {
        uint n = ReadVarUInt32();
        if ((ulong)n * (uint)minItemSize > (ulong)(uint)(_buffer.Length - _pos))
        {
            BinaryThrowHelper.ThrowCountTooLarge(n, Remaining);
        }

        return (int)n;
    }

    private uint ReadVarUInt32Slow()
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 28 && b > 0x0F)
            {
                BinaryThrowHelper.ThrowBadVarint();
            }

            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        BinaryThrowHelper.ThrowBadVarint();
        return 0;
    }
}
