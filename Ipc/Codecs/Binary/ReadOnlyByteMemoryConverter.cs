using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary><c>ReadOnlyMemory&lt;byte&gt;</c> as a blob: a varint length, then the bytes (read into a new array).</summary>
internal sealed class ReadOnlyByteMemoryConverter : BinaryConverter<ReadOnlyMemory<byte>>
{
    public override void Write(ref WireWriter writer, ReadOnlyMemory<byte> value, int depth)
    {
        writer.WriteVarUInt32((uint)value.Length);
        writer.WriteBytes(value.Span);
    }

    public override ReadOnlyMemory<byte> Read(ref WireReader reader, int depth)
    {
        int count = reader.ReadCount(1);
        return count == 0 ? ReadOnlyMemory<byte>.Empty : reader.ReadSpan(count).ToArray();
    }
}
