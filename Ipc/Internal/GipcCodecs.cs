using System;

namespace GreenProc.Ipc.Internal;

/// <summary>Picks the default codec of a message type: raw for bytes, the typed binary codec otherwise.</summary>
internal static class GipcCodecs
{
    public static IGipcCodec<T> Default<T>()
    {
        if (typeof(T) == typeof(byte[]))
        {
            return (IGipcCodec<T>)(object)GipcRawCodec.Instance;
        }

        if (typeof(T) == typeof(ReadOnlyMemory<byte>))
        {
            return (IGipcCodec<T>)(object)GipcRawMemoryCodec.Instance;
        }

        if (typeof(T) == typeof(GipcBuffer))
        {
            return (IGipcCodec<T>)(object)GipcPooledCodec.Instance;
        }

        return GipcBinaryCodec<T>.Instance;
    }

    /// <summary>How a handle's codec travels to a child: built-in codecs by kind, others by type name.</summary>
    public static CodecKind KindOf(Type codecType)
        => codecType == typeof(GipcRawCodec) || codecType == typeof(GipcRawMemoryCodec) || codecType == typeof(GipcPooledCodec) ? CodecKind.Raw
            : codecType.IsGenericType && codecType.GetGenericTypeDefinition() == typeof(GipcBinaryCodec<>) ? CodecKind.Binary
            : codecType.IsGenericType && codecType.GetGenericTypeDefinition() == typeof(GipcJsonCodec<>) ? CodecKind.Json
            : CodecKind.Custom;

    /// <summary>
    /// Rebuilds a codec in a child. Built-in codecs come by kind, without looking a type up by name (a child's first
    /// type-name lookup costs it milliseconds of JIT work); a custom codec by its assembly-qualified name.
    /// </summary>
    public static IGipcCodec<T> Create<T>(CodecKind kind, string? customCodecType) => kind switch
    {
        CodecKind.Raw => Default<T>(),
        CodecKind.Binary => GipcBinaryCodec<T>.Instance,
        CodecKind.Json => GipcJsonCodec<T>.Instance,
        _ => (IGipcCodec<T>)Activator.CreateInstance(Type.GetType(customCodecType ?? string.Empty, throwOnError: true)!)!,
    };

    /// <summary>Whether a child can rebuild this codec (built in, or a public parameterless constructor).</summary>
    public static bool IsTransferable(Type codecType)
        => KindOf(codecType) != CodecKind.Custom || codecType.GetConstructor(Type.EmptyTypes) is not null;
}
