using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// Builds the converter of a type, once: the type decides everything (the wire never names a type), and a type the
/// codec cannot carry faithfully is refused here, at codec creation, with <see cref="NotSupportedException"/>.
/// </summary>
/// <remarks>
/// Converters are generic classes closed over the type with <c>MakeGenericType</c> when first needed, so per message
/// there is no reflection and no boxing. Building takes a lock (it is rare); a type's converters are published only
/// when the whole graph built without error, so a failed attempt leaves nothing half-made behind. A record or class
/// registers itself before resolving its members, which is what lets a recursive type (a tree node holding a list
/// of nodes) link to itself.
/// </remarks>
internal static class ConverterFactory
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<Type, BinaryConverter> s_cache = new();

    public static BinaryConverter<T> Get<T>() => (BinaryConverter<T>)Get(typeof(T));

    public static BinaryConverter Get(Type type)
    {
        lock (s_lock)
        {
            if (s_cache.TryGetValue(type, out BinaryConverter? converter))
            {
                return converter;
            }

            var pending = new Dictionary<Type, BinaryConverter>();
            converter = Resolve(type, pending);
            foreach (KeyValuePair<Type, BinaryConverter> built in pending)
            {
                s_cache.TryAdd(built.Key, built.Value);
            }

            return converter;
        }
    }

    /// <summary>A readable C#-like name: <c>Dictionary&lt;String, List&lt;Int32&gt;&gt;</c>.</summary>
    public static string Describe(Type type)
    {
        if (type.IsArray)
        {
            return Describe(type.GetElementType()!) + (type.IsSZArray ? "[]" : $"[{new string(',', type.GetArrayRank() - 1)}]");
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        return (tick < 0 ? name : name[..tick]) + "<" + string.Join(", ", type.GetGenericArguments().Select(Describe)) + ">";
    }

    private static BinaryConverter Resolve(Type type, Dictionary<Type, BinaryConverter> pending)
    {
        if (s_cache.TryGetValue(type, out BinaryConverter? converter) || pending.TryGetValue(type, out converter))
        {
            return converter;
        }

        converter = Create(type, pending);
        pending[type] = converter;
        return converter;
    }

    private static BinaryConverter Create(Type type, Dictionary<Type, BinaryConverter> pending)
    {
        if (type.IsByRef || type.IsPointer || type.IsFunctionPointer || type.IsByRefLike || type.ContainsGenericParameters)
        {
            throw Unsupported(type, "pointers, references, ref structs (Span) and open generic types cannot travel between processes");
        }

        // Before anything else: a handle class may also be disposable, enumerable, ... but travels as a table index.
        if (typeof(IGipcHandle).IsAssignableFrom(type))
        {
            return type.IsValueType
                ? throw Unsupported(type, "a gipc handle must be a class")
                : Construct(typeof(HandleConverter<>), [type]);
        }

        if (Leaf(type) is BinaryConverter leaf)
        {
            return leaf;
        }

        if (type.IsEnum)
        {
            return Construct(typeof(UnmanagedConverter<>), [type]);
        }

        if (Nullable.GetUnderlyingType(type) is Type underlying)
        {
            return Construct(typeof(NullableConverter<>), [underlying], Resolve(underlying, pending));
        }

        if (type.IsArray)
        {
            if (!type.IsSZArray)
            {
                throw Unsupported(type, "only one-dimensional, zero-based arrays are supported; use an array of arrays");
            }

            Type element = type.GetElementType()!;
            return Construct(typeof(ArrayConverter<>), [element], Resolve(element, pending));
        }

        if (type.IsGenericType && Collection(type, pending) is BinaryConverter collection)
        {
            return collection;
        }

        if (type == typeof(object))
        {
            throw Unsupported(type, "the decoder only builds declared types, and object declares none; declare the real type");
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            throw Unsupported(type, "delegates cannot travel between processes");
        }

        if (type == typeof(IntPtr) || type == typeof(UIntPtr))
        {
            throw Unsupported(type, "native-sized integers and addresses mean nothing in another process; use long");
        }

        if (type.IsInterface || type.IsAbstract)
        {
            throw Unsupported(type, "the decoder only builds declared concrete types (no polymorphism), and this one is "
                + (type.IsInterface ? "an interface" : "abstract") + "; declare a concrete record, class or struct");
        }

        if (typeof(IEnumerable).IsAssignableFrom(type))
        {
            throw Unsupported(type, "this collection type is not supported; use T[], List<T>, Dictionary<K, V>, HashSet<T> "
                + "or their interfaces");
        }

        ObjectShape shape = ObjectShape.Create(type);
        Action<BinaryConverter> register = c => pending[type] = c;
        Func<Type, BinaryConverter> resolve = t => Resolve(t, pending);
        return Construct(typeof(ObjectConverter<>), [type], shape, register, resolve);
    }

    private static BinaryConverter? Leaf(Type type)
    {
        // Enums report their underlying type's code: they are handled by the caller.
        if (type.IsEnum)
        {
            return null;
        }

        switch (Type.GetTypeCode(type))
        {
            case TypeCode.Boolean: return new BooleanConverter();
            case TypeCode.Byte: return new UnmanagedConverter<byte>();
            case TypeCode.SByte: return new UnmanagedConverter<sbyte>();
            case TypeCode.Int16: return new UnmanagedConverter<short>();
            case TypeCode.UInt16: return new UnmanagedConverter<ushort>();
            case TypeCode.Int32: return new UnmanagedConverter<int>();
            case TypeCode.UInt32: return new UnmanagedConverter<uint>();
            case TypeCode.Int64: return new UnmanagedConverter<long>();
            case TypeCode.UInt64: return new UnmanagedConverter<ulong>();
            case TypeCode.Single: return new UnmanagedConverter<float>();
            case TypeCode.Double: return new UnmanagedConverter<double>();
            case TypeCode.Char: return new UnmanagedConverter<char>();
            case TypeCode.Decimal: return new DecimalConverter();
            case TypeCode.DateTime: return new DateTimeConverter();
            case TypeCode.String: return new StringConverter();
        }

        return type == typeof(byte[]) ? new ByteArrayConverter()
            : type == typeof(Guid) ? new UnmanagedConverter<Guid>()
            : type == typeof(TimeSpan) ? new UnmanagedConverter<TimeSpan>()
            : type == typeof(Half) ? new UnmanagedConverter<Half>()
            : type == typeof(Int128) ? new UnmanagedConverter<Int128>()
            : type == typeof(UInt128) ? new UnmanagedConverter<UInt128>()
            : type == typeof(DateTimeOffset) ? new DateTimeOffsetConverter()
            : type == typeof(DateOnly) ? new DateOnlyConverter()
            : type == typeof(TimeOnly) ? new TimeOnlyConverter()
            : type == typeof(ReadOnlyMemory<byte>) ? new ReadOnlyByteMemoryConverter()
            : type == typeof(Memory<byte>) ? new ByteMemoryConverter()
            : null;
    }

    private static BinaryConverter? Collection(Type type, Dictionary<Type, BinaryConverter> pending)
    {
        Type definition = type.GetGenericTypeDefinition();
        Type[] args = type.GetGenericArguments();
        if (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(ICollection<>))
        {
            return Construct(typeof(SequenceConverter<,>), [type, args[0]], Resolve(args[0], pending), false);
        }

        if (definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>))
        {
            return Construct(typeof(SequenceConverter<,>), [type, args[0]], Resolve(args[0], pending), true);
        }

        if (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
        {
            return Construct(typeof(DictionaryConverter<,,>), [type, args[0], args[1]], Resolve(args[0], pending), Resolve(args[1], pending));
        }

        if (definition == typeof(HashSet<>) || definition == typeof(ISet<>) || definition == typeof(IReadOnlySet<>))
        {
            return Construct(typeof(SetConverter<,>), [type, args[0]], Resolve(args[0], pending));
        }

        if (definition == typeof(Memory<>) || definition == typeof(ReadOnlyMemory<>))
        {
            throw Unsupported(type, "only Memory<byte> and ReadOnlyMemory<byte> (as blobs) are supported; use an array");
        }

        return null;
    }

    private static BinaryConverter Construct(Type definition, Type[] typeArgs, params object[] args)
    {
        try
        {
            return (BinaryConverter)Activator.CreateInstance(definition.MakeGenericType(typeArgs), args)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static NotSupportedException Unsupported(Type type, string reason)
        => new($"The gipc binary codec cannot carry {Describe(type)}: {reason}.");
}
