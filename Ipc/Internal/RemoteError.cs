using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// An exception as it travels between processes: type name, message, stack trace and inner exceptions, written by
/// hand (the binary codec has no recursive types) and read back with every length checked, as untrusted input.
/// </summary>
/// <remarks>
/// Wire: per exception, three strings (int32 byte count, -1 for null, then UTF-8) and an int32 count of inner
/// exceptions, which follow depth first. Limits: 16 levels, 64 exceptions, 64 KiB per string (longer ones are cut
/// when written).
/// </remarks>
internal static class RemoteError
{
    private const int MaxDepth = 16;
    private const int MaxCount = 64;
    private const int MaxString = 64 << 10;

    /// <summary>Writes <paramref name="error"/> (its inner exceptions, or an aggregate's, included).</summary>
    /// <param name="error">The exception.</param>
    /// <param name="output">Where to.</param>
    /// <param name="brief">Without inner exceptions, the message cut to 4 KiB and the stack to 16 KiB (a record that must
    /// fit in a small space).</param>
    public static void Write(Exception error, IBufferWriter<byte> output, bool brief = false)
    {
        int count = brief ? MaxCount : 0;
        WriteOne(error, output, 0, ref count, brief);
    }

    public static byte[] ToBytes(Exception error, bool brief = false)
    {
        var output = new ArrayBufferWriter<byte>(256);
        Write(error, output, brief);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads what <see cref="Write"/> wrote, as a <see cref="GipcRemoteException"/> raised in process <paramref name="processId"/>.</summary>
    /// <exception cref="GipcProtocolException">The bytes are not a remote error.</exception>
    public static GipcRemoteException Read(ReadOnlySpan<byte> data, int processId)
    {
        int count = 0;
        GipcRemoteException e = ReadOne(ref data, processId, 0, ref count);
        if (!data.IsEmpty)
        {
            throw new GipcProtocolException("A remote exception record has bytes after its end.");
        }

        return e;
    }

    private static void WriteOne(Exception error, IBufferWriter<byte> output, int depth, ref int count, bool brief)
    {
        count++;

        // A remote exception passed on (a cluster node forwarding its worker's) keeps the type and stack it was raised
        // with, not this process's wrapper.
        var remote = error as GipcRemoteException;
        WriteString(output, remote?.RemoteType ?? error.GetType().FullName ?? error.GetType().Name);
        WriteString(output, brief ? Cut(error.Message, 4096) : error.Message);
        string? stack = remote is not null ? remote.RemoteStackTrace : error.StackTrace;
        WriteString(output, brief ? Cut(stack, 16384) : stack);
        IReadOnlyList<Exception> inner = depth + 1 >= MaxDepth ? []
            : remote is not null ? remote.RemoteInnerExceptions
            : error is AggregateException aggregate ? aggregate.InnerExceptions
            : error.InnerException is { } one ? [one] : [];
        int n = Math.Min(inner.Count, Math.Max(0, MaxCount - count));
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), n);
        output.Advance(4);
        for (int i = 0; i < n; i++)
        {
            WriteOne(inner[i], output, depth + 1, ref count, brief);
        }
    }

    private static string? Cut(string? value, int max) => value is { } v && v.Length > max ? v[..max] + " [cut]" : value;

    private static void WriteString(IBufferWriter<byte> output, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), -1);
            output.Advance(4);
            return;
        }

        if (value.Length > MaxString / 3)
        {
            value = value[..(MaxString / 3)] + " [cut]";
        }

        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> span = output.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        Encoding.UTF8.GetBytes(value, span[4..]);
        output.Advance(4 + length);
    }

    private static GipcRemoteException ReadOne(ref ReadOnlySpan<byte> data, int processId, int depth, ref int count)
    {
        if (depth >= MaxDepth || ++count > MaxCount)
        {
            throw new GipcProtocolException("A remote exception record nests too deep or holds too many exceptions.");
        }

        string type = ReadString(ref data) ?? "System.Exception";
        string message = ReadString(ref data) ?? "";
        string? stack = ReadString(ref data);
        int n = ReadInt32(ref data);
        if (n < 0 || n > MaxCount)
        {
            throw new GipcProtocolException("A remote exception record has a bad count of inner exceptions.");
        }

        var inner = new GipcRemoteException[n];
        for (int i = 0; i < n; i++)
        {
            inner[i] = ReadOne(ref data, processId, depth + 1, ref count);
        }

        return new GipcRemoteException(type, message, stack, processId, inner);
    }

    private static int ReadInt32(ref ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            throw new GipcProtocolException("A remote exception record is cut short.");
        }

        int value = BinaryPrimitives.ReadInt32LittleEndian(data);
        data = data[4..];
        return value;
    }

    private static string? ReadString(ref ReadOnlySpan<byte> data)
    {
        int length = ReadInt32(ref data);
        if (length == -1)
        {
            return null;
        }

        if (length < 0 || length > MaxString || length > data.Length)
        {
            throw new GipcProtocolException("A remote exception record has a bad string length.");
        }

        string value;
        try
        {
            value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data[..length]);
        }
        catch (DecoderFallbackException e)
        {
            // Found by fuzzing (issue 17): invalid UTF-8 escaped as an ArgumentException, not the documented protocol error.
            throw new GipcProtocolException("A remote exception record has a string that is not UTF-8.", e);
        }

        data = data[length..];
        return value;
    }
}
