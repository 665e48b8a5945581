using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>The element loops shared by arrays, lists, sets and the collection interfaces.</summary>
internal static class Elements
{
    /// <summary>Writes the elements (not the count). Raw-memory elements go as one block copy.</summary>
    public static void Write<T>(ref WireWriter writer, BinaryConverter<T> element, ReadOnlySpan<T> items, int depth)
    {
        if (items.IsEmpty)
        {
            return;
        }

        if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() && element.IsRawMemory)
        {
            writer.WriteBytes(MemoryMarshal.CreateReadOnlySpan(
                ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(items)), checked(items.Length * Unsafe.SizeOf<T>())));
            return;
        }

        int inner = Enter(depth);
        foreach (T item in items)
        {
            element.Write(ref writer, item, inner);
        }
    }

    /// <summary>Fills <paramref name="items"/> (whose length is a count already checked against the payload).</summary>
    public static void Read<T>(ref WireReader reader, BinaryConverter<T> element, Span<T> items, int depth)
    {
        if (items.IsEmpty)
        {
            return;
        }

        if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() && element.IsRawMemory)
        {
            ReadOnlySpan<byte> bytes = reader.ReadSpan(items.Length * Unsafe.SizeOf<T>());
            bytes.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(items)), bytes.Length));
            return;
        }

        int inner = EnterRead(depth);
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = element.Read(ref reader, inner);
        }
    }

    /// <summary>
    /// Writes the count + 1 and the elements of a collection that is neither a list nor an array. The count is taken
    /// first, so a collection that changes size meanwhile is an error rather than a corrupt payload.
    /// </summary>
    public static void WriteEnumerable<T>(ref WireWriter writer, BinaryConverter<T> element, IEnumerable<T> value, int depth)
    {
        int count;
        if (value is ICollection<T> collection)
        {
            count = collection.Count;
        }
        else if (value is IReadOnlyCollection<T> readOnly)
        {
            count = readOnly.Count;
        }
        else
        {
            // A lazy sequence: run it once into a list (an allocation, off the fast path of lists and arrays).
            var list = new List<T>(value);
            writer.WriteVarUInt32((uint)list.Count + 1);
            Write(ref writer, element, CollectionsMarshal.AsSpan(list), depth);
            return;
        }

        writer.WriteVarUInt32((uint)count + 1);
        if (count == 0)
        {
            return;
        }

        int inner = Enter(depth);
        int n = 0;
        foreach (T item in value)
        {
            if (++n > count)
            {
                BinaryThrowHelper.ThrowCollectionChanged();
            }

            element.Write(ref writer, item, inner);
        }

        if (n != count)
        {
            BinaryThrowHelper.ThrowCollectionChanged();
        }
    }

    /// <summary>The depth of the children of a container at <paramref name="depth"/>, checked on encode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Enter(int depth)
    {
        if (depth >= BinaryConverter.MaxDepth)
        {
            BinaryThrowHelper.ThrowEncodeTooDeep();
        }

        return depth + 1;
    }

    /// <summary>The depth of the children of a container at <paramref name="depth"/>, checked on decode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EnterRead(int depth)
    {
        if (depth >= BinaryConverter.MaxDepth)
        {
            BinaryThrowHelper.ThrowDecodeTooDeep();
        }

        return depth + 1;
    }
}
