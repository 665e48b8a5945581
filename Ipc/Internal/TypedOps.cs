using System;
using System.Buffers;
using System.Collections.Concurrent;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// What StartProcess does with a type known only at run time (a target's parameter type, a handle's message type):
/// encode and decode an argument with the binary codec, and build a handle. One <see cref="TypedOps{T}"/> per type,
/// made once with <see cref="Activator"/>; its members are plain virtual calls, not reflection invokes, which keeps a
/// child's start free of the invoke machinery (and of the JIT work it brings).
/// </summary>
internal abstract class TypedOps
{
    private static readonly ConcurrentDictionary<Type, TypedOps> s_cache = new();

    public static TypedOps For(Type type)
        => s_cache.TryGetValue(type, out TypedOps? ops) ? ops : s_cache.GetOrAdd(type, static t => Create(t));

    private static TypedOps Create(Type type)
    {
        // The common primitive argument types by name, so that ahead-of-time compiled apps carry their code: a type
        // made with MakeGenericType at run time is JIT-compiled in every child that meets it (~1 ms of a child's start).
        if (type == typeof(int))
        {
            return new TypedOps<int>();
        }

        if (type == typeof(long))
        {
            return new TypedOps<long>();
        }

        if (type == typeof(bool))
        {
            return new TypedOps<bool>();
        }

        if (type == typeof(double))
        {
            return new TypedOps<double>();
        }

        return (TypedOps)Activator.CreateInstance(typeof(TypedOps<>).MakeGenericType(type))!;
    }

    /// <summary>An argument of this type, with the binary codec.</summary>
    public abstract byte[] Encode(object? value);

    /// <summary>An argument of this type, from the bytes <see cref="Encode"/> made.</summary>
    public abstract object? Decode(byte[] payload);

    /// <summary>A handle whose messages are of this type, on <paramref name="fd"/> (and, for a duplex end, its write
    /// pipe <paramref name="secondFd"/>).</summary>
    public abstract IGipcHandle CreateHandle(HandleKind kind, SafeFdHandle fd, SafeFdHandle? secondFd, HandleDescriptor descriptor, GipcOptions options);
}

/// <summary>The operations of <see cref="TypedOps"/> for <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The type.</typeparam>
internal sealed class TypedOps<T> : TypedOps
{
    public override byte[] Encode(object? value)
    {
        var output = new ArrayBufferWriter<byte>();
        GipcBinaryCodec<T>.Instance.Encode((T)value!, output);
        return output.WrittenSpan.ToArray();
    }

    public override object? Decode(byte[] payload) => GipcBinaryCodec<T>.Instance.Decode(payload);

    public override IGipcHandle CreateHandle(HandleKind kind, SafeFdHandle fd, SafeFdHandle? secondFd, HandleDescriptor descriptor, GipcOptions options)
    {
        IGipcCodec<T> codec = GipcCodecs.Create<T>(descriptor.Codec, descriptor.CustomCodecType);
        return kind switch
        {
            HandleKind.Reader => new GipcReader<T>(fd, codec, options),
            HandleKind.Writer => new GipcWriter<T>(fd, codec, options),
            HandleKind.Duplex => new GipcDuplex<T>(fd, secondFd!, codec, options),
            _ => throw new GipcProtocolException($"The gipc bootstrap names an unknown handle kind {kind}."),
        };
    }
}
