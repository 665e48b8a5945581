using System;
using System.Buffers;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// Raw bytes in pooled <see cref="GipcBuffer"/>s: payloads are written from the buffer's memory and read straight into
/// rented arrays, so a stream of large messages allocates nothing per message. The receiver disposes each buffer.
/// </summary>
public sealed class GipcPooledCodec : IGipcCodec<GipcBuffer>, IDirectPayload<GipcBuffer>, IPooledDecode<GipcBuffer>
{
    /// <summary>The codec (stateless).</summary>
    public static GipcPooledCodec Instance { get; } = new();

    /// <inheritdoc />
    public void Encode(GipcBuffer value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(value);
        output.Write(value.Span);
    }

    /// <inheritdoc />
    public GipcBuffer Decode(ReadOnlySpan<byte> payload)
    {
        byte[] array = ArrayPool<byte>.Shared.Rent(payload.Length);
        payload.CopyTo(array);
        return GipcBuffer.FromRented(array, payload.Length);
    }

    ReadOnlyMemory<byte> IDirectPayload<GipcBuffer>.GetPayload(GipcBuffer value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Memory;
    }

    GipcBuffer IPooledDecode<GipcBuffer>.FromRented(byte[] array, int length) => GipcBuffer.FromRented(array, length);
}
