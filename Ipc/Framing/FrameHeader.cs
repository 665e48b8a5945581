using System;
using System.Buffers.Binary;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The frame header (DESIGN §5): one version byte, then the payload length as a little-endian uint32. Five bytes:
/// small against any payload, and the version byte leaves room for flags later and catches a stream that is not
/// gipc framing at all (or has lost its frame boundary) at the first byte.
/// </summary>
internal static class FrameHeader
{
    public const int Size = 5;
    public const byte Version1 = 0x47; // 'G': a stream that starts with anything else is not ours

    public static void Write(Span<byte> destination, int payloadLength)
    {
        destination[0] = Version1;
        BinaryPrimitives.WriteInt32LittleEndian(destination.Slice(1), payloadLength);
    }

    /// <summary>Validates a header; returns the payload length.</summary>
    public static int Read(ReadOnlySpan<byte> header, int maxFrameSize)
    {
        if (header[0] != Version1)
        {
            throw new GipcProtocolException($"Corrupt frame: the header starts with 0x{header[0]:x2}, not gipc's 0x{Version1:x2}. The stream is not gipc framing, or lost a frame boundary; the handle has been closed.");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(1));
        if (length > (uint)maxFrameSize)
        {
            throw new GipcProtocolException($"A frame announces {length} bytes, more than the {maxFrameSize}-byte limit (GipcOptions.MaxFrameSize); the handle has been closed. Raise the limit on both ends if such messages are intended.");
        }

        return (int)length;
    }
}
