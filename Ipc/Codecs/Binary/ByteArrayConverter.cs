using System.Runtime.CompilerServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary><c>byte[]</c> as a blob: a varint of (length + 1), 0 meaning null, then the bytes.</summary>
internal sealed class ByteArrayConverter : BinaryConverter<byte[]>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteValue(ref WireWriter writer, byte[]? value)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteVarUInt32((uint)value.Length + 1);
        writer.WriteBytes(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte[]? ReadValue(ref WireReader reader)
    {
        int count = reader.ReadNullableCount(1);
        return count < 0 ? null : reader.ReadSpan(count).ToArray();
    }

    public override void Write(ref WireWriter writer, byte[] value, int depth) => WriteValue(ref writer, value);

    public override byte[] Read(ref WireReader reader, int depth) => ReadValue(ref reader)!;
}
