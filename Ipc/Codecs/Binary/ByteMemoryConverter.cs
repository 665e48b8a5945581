using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary><c>Memory&lt;byte&gt;</c> as a blob: a varint length, then the bytes (read into a new array).</summary>
internal sealed class ByteMemoryConverter : BinaryConverter<Memory<byte>>
{
    public override void Write(ref WireWriter writer, Memory<byte> value, int depth)
    {
        writer.WriteVarUInt32((uint)value.Length);
        writer.WriteBytes(value.Span);
    }

    public override Memory<byte> Read(ref WireReader reader, int depth)
    {
        int count = reader.ReadCount(1);
        return count == 0 ? Memory<byte>.Empty : reader.ReadSpan(count).ToArray();
    }
}
