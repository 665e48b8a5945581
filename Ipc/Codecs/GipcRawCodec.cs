using System;
using System.Buffers;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// Raw bytes, gipc's <c>encoder=None</c>: the payload is the array itself (the frame already carries its length).
/// The default codec of a <c>byte[]</c> pipe. Large arrays are written from the caller's memory and read straight
/// into the array that is returned (no intermediate copy).
/// </summary>
public sealed class GipcRawCodec : IGipcCodec<byte[]>, IDirectPayload<byte[]>, IDirectDecode<byte[]>
{
    /// <summary>The codec (stateless).</summary>
    public static GipcRawCodec Instance { get; } = new();

    /// <inheritdoc />
    public void Encode(byte[] value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(value);
        output.Write(value);
    }

    /// <inheritdoc />
    public byte[] Decode(ReadOnlySpan<byte> payload) => payload.ToArray();

    ReadOnlyMemory<byte> IDirectPayload<byte[]>.GetPayload(byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value;
    }

    byte[] IDirectDecode<byte[]>.FromPayloadArray(byte[] payload) => payload;
}
