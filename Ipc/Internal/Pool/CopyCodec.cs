using System;
using System.Buffers;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// Puts a message built elsewhere (a <see cref="ByteBuilder"/>'s bytes) into a writer's buffer by copying it: unlike
/// the raw codecs it never writes from the caller's memory later, so the builder can be reused as soon as the put
/// returns.
/// </summary>
internal sealed class CopyCodec : IGipcCodec<ReadOnlyMemory<byte>>
{
    public static CopyCodec Instance { get; } = new();

    public void Encode(ReadOnlyMemory<byte> value, IBufferWriter<byte> output) => output.Write(value.Span);

    public ReadOnlyMemory<byte> Decode(ReadOnlySpan<byte> payload) => payload.ToArray();
}
