using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// The messages between a <see cref="ProcessPool"/> and its workers, each one gipc frame whose payload starts with a
/// kind byte. Little-endian fixed-size integers; strings as an int32 UTF-8 byte count and the bytes.
/// </summary>
/// <remarks>
/// Requests (pool → worker, in order on one pipe):
///   Define   int32 method id, int32 metadata token, string assembly name, string assembly path, string type name
///   Batch    an item: int32 method id, int64 timeout ticks (0: none), int64 item id, int32 count, then per task:
///            int32 length and the argument (binary codec of the method's parameter type)
///   Retire   (nothing): answer what was sent, then exit 0
/// Responses (worker → pool, in the order of the items: a worker runs one item at a time, its tasks in order):
///   Ready    int32 pid (after the initializer)
///   Result   int64 item id, int64 run ticks (Stopwatch, all its tasks), int32 count, then per task: a byte outcome
///            (PoolItem.Succeeded, Threw, WasCanceled, TimedOut), int32 length, and the result (binary codec of the
///            method's return type) or a remote error record (RemoteError) or nothing
///   InitFailed   a remote error record: the initializer threw; the worker exits 1
/// The control pipe (pool → worker) carries int64 ids of items to cancel; a thread of the worker reads it, so a
/// cancellation reaches a task that keeps the worker's hub busy.
/// </remarks>
internal static class PoolProtocol
{
    public const byte Define = 1;
    public const byte Batch = 2;
    public const byte Retire = 3;

    public const byte Ready = 1;
    public const byte Result = 2;
    public const byte InitFailed = 6;

    public static void WriteInt32(IBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    public static void WriteInt64(IBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> span = output.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        Encoding.UTF8.GetBytes(value, span[4..]);
        output.Advance(4 + length);
    }

    /// <summary>Reads a pool message's fields in order; a short or malformed one is a protocol error.</summary>
    public ref struct Reader(ReadOnlySpan<byte> payload)
    {
        private ReadOnlySpan<byte> _rest = payload;

        public readonly ReadOnlySpan<byte> Rest => _rest;

        public byte ReadByte() => Take(1)[0];

        public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public ReadOnlySpan<byte> ReadBytes(int count) => count < 0 ? throw Bad() : Take(count);

        public string ReadString() => Encoding.UTF8.GetString(ReadBytes(ReadInt32()));

        private ReadOnlySpan<byte> Take(int count)
        {
            if (_rest.Length < count)
            {
                throw Bad();
            }

            ReadOnlySpan<byte> taken = _rest[..count];
            _rest = _rest[count..];
            return taken;
        }

        private static GipcProtocolException Bad() => new("A process pool message is cut short or malformed: the pool and its worker do not run the same build?");
    }
}
