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

    /// <summary>Rebuilds a codec in a child from its type (see <see cref="ITransferableHandle.CodecType"/>).</summary>
    public static IGipcCodec<T> Create<T>(Type codecType)
    {
        if (codecType == typeof(GipcBinaryCodec<T>))
        {
            return GipcBinaryCodec<T>.Instance;
        }

        if (codecType == typeof(GipcJsonCodec<T>))
        {
            return GipcJsonCodec<T>.Instance;
        }

        if (codecType == typeof(GipcRawCodec) || codecType == typeof(GipcRawMemoryCodec) || codecType == typeof(GipcPooledCodec))
        {
            return Default<T>();
        }

        return (IGipcCodec<T>)Activator.CreateInstance(codecType)!;
    }

    /// <summary>Whether a child can rebuild this codec (built in, or a public parameterless constructor).</summary>
    public static bool IsTransferable(Type codecType)
        => codecType == typeof(GipcRawCodec) || codecType == typeof(GipcRawMemoryCodec) || codecType == typeof(GipcPooledCodec)
           || (codecType.IsGenericType && (codecType.GetGenericTypeDefinition() == typeof(GipcBinaryCodec<>) || codecType.GetGenericTypeDefinition() == typeof(GipcJsonCodec<>)))
           || codecType.GetConstructor(Type.EmptyTypes) is not null;
}
