using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>Throws for the binary codec, out of line so that the read and write paths stay small.</summary>
internal static class BinaryThrowHelper
{
    [DoesNotReturn]
    public static void ThrowTruncated()
        => throw Protocol("The payload ends in the middle of a value (truncated, or not written by this message type's codec).");

    [DoesNotReturn]
    public static void ThrowBadPresence(byte value)
        => throw Protocol($"A presence byte is {value}; only 0 (null) and 1 (a value) are valid.");

    [DoesNotReturn]
    public static void ThrowBadBoolean(byte value)
        => throw Protocol($"A boolean byte is {value}; only 0 and 1 are valid.");

    [DoesNotReturn]
    public static void ThrowBadVarint()
        => throw Protocol("A length varint is longer than 5 bytes or exceeds 32 bits.");

    [DoesNotReturn]
    public static void ThrowCountTooLarge(uint count, int remaining)
        => throw Protocol($"A length or count of {count} cannot fit in the {remaining} bytes left in the payload.");

    [DoesNotReturn]
    public static void ThrowTrailingBytes(int count)
        => throw Protocol($"{count} bytes follow the end of the value; the payload was not written by this message type's codec.");

    [DoesNotReturn]
    public static void ThrowInvalidUtf8(Exception? inner)
        => throw Protocol("A string is not valid UTF-8.", inner);

    [DoesNotReturn]
    public static void ThrowDuplicateKey()
        => throw Protocol("A dictionary or set in the payload holds the same key twice.");

    [DoesNotReturn]
    public static void ThrowBadEmptyStruct(byte value)
        => throw Protocol($"A member-less struct is written as one 0 byte, but the payload has {value}.");

    [DoesNotReturn]
    public static void ThrowBadValue(string type, string detail)
        => throw Protocol($"The payload holds an invalid {type}: {detail}.");

    [DoesNotReturn]
    public static void ThrowDecodeTooDeep()
        => throw Protocol($"The payload nests more than {BinaryConverter.MaxDepth} levels deep.");

    [DoesNotReturn]
    public static void ThrowEncodeTooDeep()
        => throw new ArgumentException(
            $"The message nests more than {BinaryConverter.MaxDepth} levels deep: it holds a reference cycle, or a structure "
            + "too deep for the gipc binary codec. Break the cycle or flatten the structure.",
            "value");

    [DoesNotReturn]
    public static void ThrowCollectionChanged()
        => throw new InvalidOperationException(
            "A collection in the message changed size while it was being encoded; do not modify a message while sending it.");

    [DoesNotReturn]
    public static void ThrowShortSpan(int wanted, int got)
        => throw new InvalidOperationException($"The output buffer writer returned {got} bytes where at least {wanted} were asked for.");

    [DoesNotReturn]
    public static void ThrowNoHandleTable()
        => throw new GipcException(
            "gipc handles can only be passed as StartProcess arguments; a handle met in an ordinary message cannot cross "
            + "the pipe. Pass the handle (or the record holding it) to StartProcess when starting the child.");

    [DoesNotReturn]
    public static void ThrowWrongHandle(Type expected, Type? got)
        => throw Protocol($"The handle table resolved a {got?.Name ?? "null"} where a {expected.Name} was declared.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static GipcProtocolException Wrap(Exception inner)
        => Protocol($"The payload cannot be decoded: {inner.Message}", inner);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static GipcProtocolException Protocol(string message, Exception? inner = null)
        => new(message, inner);
}
