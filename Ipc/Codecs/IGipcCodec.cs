using System;
using System.Buffers;

namespace GreenProc.Ipc;

/// <summary>
/// Turns messages of type <typeparamref name="T"/> into frame payloads and back. A codec is stateless and used from
/// the hub thread only. Decoding must treat the payload as hostile: never instantiate a type named by the data, and
/// raise <see cref="GipcProtocolException"/> (or any exception, which the reader wraps in one) on malformed input.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
public interface IGipcCodec<T>
{
    /// <summary>Appends the payload of <paramref name="value"/> to <paramref name="output"/>.</summary>
    /// <param name="value">The message.</param>
    /// <param name="output">Where the payload goes (the frame header is written by the pipe).</param>
    void Encode(T value, IBufferWriter<byte> output);

    /// <summary>Reads a message back from one whole payload.</summary>
    /// <param name="payload">Exactly the bytes <see cref="Encode"/> wrote for one message.</param>
    /// <returns>The message.</returns>
    T Decode(ReadOnlySpan<byte> payload);
}
