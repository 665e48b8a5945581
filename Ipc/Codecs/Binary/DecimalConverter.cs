using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>16 bytes: the four 32-bit words of <see cref="decimal.GetBits(decimal)"/> (lo, mid, hi, flags).</summary>
internal sealed class DecimalConverter : BinaryConverter<decimal>
{
    public DecimalConverter() => MinSize = 16;

    public override void Write(ref WireWriter writer, decimal value, int depth)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        for (int i = 0; i < 4; i++)
        {
            writer.WriteUnmanaged(bits[i]);
        }
    }

    public override decimal Read(ref WireReader reader, int depth)
    {
        Span<int> bits = stackalloc int[4];
        for (int i = 0; i < 4; i++)
        {
            bits[i] = reader.ReadUnmanaged<int>();
        }

        // The flags word must hold a scale of 0..28 and a sign bit only.
        int flags = bits[3];
        if ((flags & 0x7F00FFFF) != 0 || ((flags >> 16) & 0xFF) > 28)
        {
            BinaryThrowHelper.ThrowBadValue("decimal", $"flags 0x{flags:X8}");
        }

        return new decimal(bits);
    }
}
