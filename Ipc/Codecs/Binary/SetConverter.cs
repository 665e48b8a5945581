using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// <c>HashSet&lt;T&gt;</c>, <c>ISet&lt;T&gt;</c> and <c>IReadOnlySet&lt;T&gt;</c>: written like an array, decoded as a
/// <c>HashSet</c> with the default comparer; an element met twice is a protocol error.
/// </summary>
internal sealed class SetConverter<TSet, T> : BinaryConverter<TSet>
    where TSet : class, IEnumerable<T>
{
    private readonly BinaryConverter<T> _element;

    public SetConverter(BinaryConverter<T> element) => _element = element;

    public override void Write(ref WireWriter writer, TSet value, int depth)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        if (value is HashSet<T> set)
        {
            writer.WriteVarUInt32((uint)set.Count + 1);
            if (set.Count == 0)
            {
                return;
            }

            int inner = Elements.Enter(depth);
            foreach (T item in set)
            {
                _element.Write(ref writer, item, inner);
            }

            return;
        }

        Elements.WriteEnumerable(ref writer, _element, value, depth);
    }

    public override TSet Read(ref WireReader reader, int depth)
    {
        int count = reader.ReadNullableCount(_element.MinSize);
        if (count < 0)
        {
            return null!;
        }

        var set = new HashSet<T>(count);
        if (count > 0)
        {
            int inner = Elements.EnterRead(depth);
            for (int i = 0; i < count; i++)
            {
                if (!set.Add(_element.Read(ref reader, inner)))
                {
                    BinaryThrowHelper.ThrowDuplicateKey();
                }
            }
        }

        return Unsafe.As<TSet>(set);
    }
}
