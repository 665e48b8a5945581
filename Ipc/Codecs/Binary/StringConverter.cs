using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// A varint of (UTF-8 byte count + 1), 0 meaning null, then the UTF-8 bytes. Invalid UTF-8 on read is a protocol
/// error; an unpaired surrogate on write becomes U+FFFD (the string cannot be represented in UTF-8).
/// </summary>
internal sealed class StringConverter : BinaryConverter<string>
{
    // Up to this many chars the UTF-8 form (3 bytes a char at most) plus one fits a one-byte length prefix, so the
    // string is encoded in one pass straight after the prefix, and the prefix is filled in afterwards.
    private const int ShortChars = 42;

    // The largest piece a long string is encoded in, so that the output never has to hand out one huge span.
    private const int Chunk = 64 * 1024;

    private static readonly UTF8Encoding s_strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteValue(ref WireWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        if (value.Length <= ShortChars)
        {
            Span<byte> span = writer.GetSpan(1 + (value.Length * 3));
            int n = Encoding.UTF8.GetBytes(value, span.Slice(1));
            span[0] = (byte)(n + 1);
            writer.Advance(n + 1);
            return;
        }

        WriteLong(ref writer, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static string? ReadValue(ref WireReader reader)
    {
        int count = reader.ReadNullableCount(1);
        if (count <= 0)
        {
            return count == 0 ? string.Empty : null;
        }

        ReadOnlySpan<byte> bytes = reader.ReadSpan(count);
        try
        {
            return s_strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            BinaryThrowHelper.ThrowInvalidUtf8(e);
            return null;
        }
    }

    public override void Write(ref WireWriter writer, string value, int depth) => WriteValue(ref writer, value);

    public override string Read(ref WireReader reader, int depth) => ReadValue(ref reader)!;

    private static void WriteLong(ref WireWriter writer, string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        writer.WriteVarUInt32((uint)count + 1);
        ReadOnlySpan<char> chars = value;
        int left = count;
        while (!chars.IsEmpty)
        {
            // Asking for min(left, Chunk) bytes leaves room for the rest, or for at least one whole code point.
            Span<byte> dest = writer.GetSpan(Math.Min(left, Chunk));
            OperationStatus status = Utf8.FromUtf16(chars, dest, out int read, out int written, replaceInvalidSequences: true);
            writer.Advance(written);
            chars = chars.Slice(read);
            left -= written;
            if (status == OperationStatus.Done || (read == 0 && written == 0))
            {
                break;
            }
        }

        if (left != 0 || !chars.IsEmpty)
        {
            BinaryThrowHelper.ThrowCollectionChanged();
        }
    }
}
