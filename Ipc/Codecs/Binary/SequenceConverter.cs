using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// <c>List&lt;T&gt;</c> and the collection interfaces, written like an array. Any implementation is accepted on
/// encode (lists and arrays through their spans); decode makes a <c>List&lt;T&gt;</c> for <c>List</c>,
/// <c>IList</c> and <c>ICollection</c>, and a <c>T[]</c> for the read-only interfaces and <c>IEnumerable</c>.
/// </summary>
internal sealed class SequenceConverter<TCollection, T> : BinaryConverter<TCollection>
    where TCollection : class, IEnumerable<T>
{
    private readonly BinaryConverter<T> _element;
    private readonly bool _asArray;

    public SequenceConverter(BinaryConverter<T> element, bool asArray)
    {
        _element = element;
        _asArray = asArray;
    }

    public override void Write(ref WireWriter writer, TCollection value, int depth)
    {
        ReadOnlySpan<T> items;
        if (value is List<T> list)
        {
            items = CollectionsMarshal.AsSpan(list);
        }
        else if (value is T[] array)
        {
            // ReadOnlySpan (not Span) accepts an array of a derived element type.
            items = new ReadOnlySpan<T>(array);
        }
        else if (value is null)
        {
            writer.WriteByte(0);
            return;
        }
        else
        {
            Elements.WriteEnumerable(ref writer, _element, value, depth);
            return;
        }

        writer.WriteVarUInt32((uint)items.Length + 1);
        Elements.Write(ref writer, _element, items, depth);
    }

    public override TCollection Read(ref WireReader reader, int depth)
    {
        int count = reader.ReadNullableCount(_element.MinSize);
        if (count < 0)
        {
            return null!;
        }

        if (_asArray)
        {
            T[] array = count == 0 ? Array.Empty<T>() : new T[count];
            Elements.Read<T>(ref reader, _element, array, depth);
            return Unsafe.As<TCollection>(array);
        }

        var list = new List<T>(count);
        CollectionsMarshal.SetCount(list, count);
        Elements.Read(ref reader, _element, CollectionsMarshal.AsSpan(list), depth);
        return Unsafe.As<TCollection>(list);
    }
}
