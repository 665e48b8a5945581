using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// <c>T[]</c>: a varint of (length + 1), 0 meaning null, then the elements. Elements that are raw little-endian
/// memory (numbers, enums, ...) are copied as one block.
/// </summary>
internal sealed class ArrayConverter<T> : BinaryConverter<T[]>
{
    private readonly BinaryConverter<T> _element;

    public ArrayConverter(BinaryConverter<T> element) => _element = element;

    public override void Write(ref WireWriter writer, T[] value, int depth)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteVarUInt32((uint)value.Length + 1);
        Elements.Write<T>(ref writer, _element, value, depth);
    }

    public override T[] Read(ref WireReader reader, int depth)
    {
        int count = reader.ReadNullableCount(_element.MinSize);
        if (count <= 0)
        {
            return count == 0 ? Array.Empty<T>() : null!;
        }

        var array = new T[count];
        Elements.Read<T>(ref reader, _element, array, depth);
        return array;
    }
}
