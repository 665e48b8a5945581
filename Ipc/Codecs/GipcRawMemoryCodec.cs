using System;
using System.Buffers;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// Raw bytes as <see cref="ReadOnlyMemory{T}"/>: put any slice of a buffer without copying it into an array first;
/// gets return memory over a fresh array. The default codec of a <c>ReadOnlyMemory&lt;byte&gt;</c> pipe.
/// </summary>
public sealed class GipcRawMemoryCodec : IGipcCodec<ReadOnlyMemory<byte>>, IDirectPayload<ReadOnlyMemory<byte>>, IDirectDecode<ReadOnlyMemory<byte>>
{
    /// <summary>The codec (stateless).</summary>
    public static GipcRawMemoryCodec Instance { get; } = new();

    /// <inheritdoc />
    public void Encode(ReadOnlyMemory<byte> value, IBufferWriter<byte> output) => output.Write(value.Span);

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Decode(ReadOnlySpan<byte> payload) => payload.ToArray();

    ReadOnlyMemory<byte> IDirectPayload<ReadOnlyMemory<byte>>.GetPayload(ReadOnlyMemory<byte> value) => value;

    ReadOnlyMemory<byte> IDirectDecode<ReadOnlyMemory<byte>>.FromPayloadArray(byte[] payload) => payload;
}
