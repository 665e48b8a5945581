namespace GreenProc.Ipc.Internal;

/// <summary>A handle's codec as the bootstrap names it.</summary>
internal enum CodecKind : byte
{
    /// <summary>The raw codec of the message type (byte[], ReadOnlyMemory&lt;byte&gt;, GipcBuffer).</summary>
    Raw = 1,

    /// <summary><see cref="GipcBinaryCodec{T}"/>.</summary>
    Binary = 2,

    /// <summary><see cref="GipcJsonCodec{T}"/> with default options.</summary>
    Json = 3,

    /// <summary>Another codec, rebuilt from its type name with its parameterless constructor.</summary>
    Custom = 4,
}
