using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// <c>Dictionary&lt;K,V&gt;</c>, <c>IDictionary&lt;K,V&gt;</c> and <c>IReadOnlyDictionary&lt;K,V&gt;</c>: a varint of
/// (count + 1), 0 meaning null, then key, value, key, value... Decoded as a <c>Dictionary</c> with the default
/// comparer; a key met twice is a protocol error.
/// </summary>
internal sealed class DictionaryConverter<TDictionary, TKey, TValue> : BinaryConverter<TDictionary>
    where TDictionary : class, IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private readonly BinaryConverter<TKey> _key;
    private readonly BinaryConverter<TValue> _value;

    public DictionaryConverter(BinaryConverter<TKey> key, BinaryConverter<TValue> value)
    {
        _key = key;
        _value = value;
    }

    public override void Write(ref WireWriter writer, TDictionary value, int depth)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        if (value is Dictionary<TKey, TValue> dictionary)
        {
            // The struct enumerator: no allocation for the common case.
            writer.WriteVarUInt32((uint)dictionary.Count + 1);
            if (dictionary.Count == 0)
            {
                return;
            }

            int inner = Elements.Enter(depth);
            foreach (KeyValuePair<TKey, TValue> pair in dictionary)
            {
                _key.Write(ref writer, pair.Key, inner);
                _value.Write(ref writer, pair.Value, inner);
            }

            return;
        }

        WriteAny(ref writer, value, depth);
    }

    public override TDictionary Read(ref WireReader reader, int depth)
    {
        int count = reader.ReadNullableCount(_key.MinSize + _value.MinSize);
        if (count < 0)
        {
            return null!;
        }

        var dictionary = new Dictionary<TKey, TValue>(count);
        if (count > 0)
        {
            int inner = Elements.EnterRead(depth);
            for (int i = 0; i < count; i++)
            {
                TKey key = _key.Read(ref reader, inner);
                TValue value = _value.Read(ref reader, inner);
                if (!dictionary.TryAdd(key, value))
                {
                    BinaryThrowHelper.ThrowDuplicateKey();
                }
            }
        }

        return Unsafe.As<TDictionary>(dictionary);
    }

    private void WriteAny(ref WireWriter writer, TDictionary value, int depth)
    {
        int count = value switch
        {
            ICollection<KeyValuePair<TKey, TValue>> c => c.Count,
            IReadOnlyCollection<KeyValuePair<TKey, TValue>> c => c.Count,
            _ => -1,
        };
        if (count < 0)
        {
            var copy = new Dictionary<TKey, TValue>(value);
            Write(ref writer, Unsafe.As<TDictionary>(copy), depth);
            return;
        }

        writer.WriteVarUInt32((uint)count + 1);
        if (count == 0)
        {
            return;
        }

        int inner = Elements.Enter(depth);
        int n = 0;
        foreach (KeyValuePair<TKey, TValue> pair in value)
        {
            if (++n > count)
            {
                BinaryThrowHelper.ThrowCollectionChanged();
            }

            _key.Write(ref writer, pair.Key, inner);
            _value.Write(ref writer, pair.Value, inner);
        }

        if (n != count)
        {
            BinaryThrowHelper.ThrowCollectionChanged();
        }
    }
}
