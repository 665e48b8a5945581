// The default typed codec of gipc message pipes.
//
// Wire format (one payload = one value of the declared type T; no type names, tags or member names on the wire,
// both processes run the same build and agree on T):
//   bool                      1 byte, 0 or 1
//   integers, float, double,  fixed size, little-endian (floats bit for bit: NaN payloads and -0 survive)
//   char, Half, Int128, Guid, TimeSpan (8-byte ticks), enums (their underlying integer, any value)
//   decimal                   16 bytes: lo, mid, hi, flags (decimal.GetBits)
//   DateTime                  8 bytes: ticks in the low 62 bits, DateTimeKind in the top 2
//   DateTimeOffset            8-byte clock ticks + 2-byte offset in minutes; DateOnly 4-byte day number;
//                             TimeOnly 8-byte ticks
//   string                    varint(UTF-8 byte count + 1), 0 = null, then UTF-8
//   byte[]                    varint(length + 1), 0 = null, then the bytes
//   Memory<byte>, ReadOnlyMemory<byte>   varint(length), then the bytes
//   T?  (Nullable<T>)         presence byte (0 none, 1 some), then T
//   T[], List<T>, IList<T>, ICollection<T>, IEnumerable<T>, IReadOnly{List,Collection}<T>, HashSet<T>, ISet<T>,
//   IReadOnlySet<T>           varint(count + 1), 0 = null, then the elements
//   Dictionary<K,V>, IDictionary<K,V>, IReadOnlyDictionary<K,V>   varint(count + 1), 0 = null, then key, value, ...
//   records, classes          presence byte, then the members (see ObjectShape: constructor parameters in order,
//                             then the settable members in declaration order); tuples and KeyValuePair alike
//   structs                   the members, no presence byte (a member-less struct is one 0 byte)
//   gipc handles              varint(index in the StartProcess handle table + 1), 0 = null
// varint = unsigned LEB128, at most 5 bytes. Decoding checks every count against the bytes left before allocating,
// limits nesting to 64 levels, and rejects trailing bytes, bad UTF-8 and out-of-range values.

using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GreenProc.Ipc.Internal.Binary;

namespace GreenProc.Ipc;

/// <summary>
/// The default codec of gipc's typed pipes: a compact binary form of <typeparamref name="T"/> that is safe against a
/// hostile peer. The payload never names a type; the decoder builds only <typeparamref name="T"/> and the declared
/// types of its members, so the peer cannot choose what is instantiated.
/// </summary>
/// <remarks>
/// <para>
/// Supported: the primitive types, <see cref="decimal"/>, <see cref="string"/>, <see cref="Guid"/>,
/// <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, <see cref="TimeSpan"/>, <see cref="DateOnly"/>,
/// <see cref="TimeOnly"/>, enums, <see cref="Nullable{T}"/>, <c>byte[]</c> and <c>(ReadOnly)Memory&lt;byte&gt;</c> as
/// blobs, one-dimensional arrays, <c>List&lt;T&gt;</c>, <c>Dictionary&lt;K,V&gt;</c>, <c>HashSet&lt;T&gt;</c> and
/// their interfaces, tuples, <c>KeyValuePair</c>, and records, classes and structs made of these (public properties
/// and fields, built through the public constructor whose parameters match members by name, or a parameterless one
/// plus setters). Null is allowed wherever the type is a reference type.
/// </para>
/// <para>
/// Not supported (refused when the codec is created, with <see cref="NotSupportedException"/>): <see cref="object"/>,
/// abstract classes and other interfaces (there is no polymorphism), delegates, pointers, ref structs and other
/// collection types. Reference cycles and nesting deeper than 64 levels are refused on encode.
/// </para>
/// <para>
/// Types are inspected once, on first use of <see cref="Instance"/>; after that a message costs no reflection and no
/// boxing. Both ends must run the same definition of <typeparamref name="T"/>: the format carries no member names,
/// so it is not meant to survive changes to the types.
/// </para>
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public sealed class GipcBinaryCodec<T> : IGipcCodec<T>
{
    // Numbers, chars, enums, Guid, TimeSpan... are the payload as they lie in memory (the hosts .NET runs gipc on are
    // little-endian). A static readonly bool is a constant to the JIT, so for these T the whole codec is a block copy.
    private static readonly bool s_raw = IsRaw(typeof(T));

    private static GipcBinaryCodec<T>? s_instance;

    private readonly BinaryConverter<T> _converter;

    private GipcBinaryCodec(BinaryConverter<T> converter) => _converter = converter;

    /// <summary>The codec of <typeparamref name="T"/>, built on first use and shared (it is stateless).</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/>, or the type of one of its members, cannot be
    /// carried; the message names the type and the member.</exception>
    public static GipcBinaryCodec<T> Instance => s_instance ?? Create();

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="value"/> nests more than 64 levels deep (a reference cycle).</exception>
    /// <exception cref="GipcException"><paramref name="value"/> holds a gipc handle outside StartProcess arguments.</exception>
    /// <remarks>When an exception is thrown, part of the payload may already have been written to <paramref name="output"/>.</remarks>
    public void Encode(T value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (s_raw)
        {
            int size = Unsafe.SizeOf<T>();
            Span<byte> span = output.GetSpan(size);
            if (span.Length < size)
            {
                BinaryThrowHelper.ThrowShortSpan(size, span.Length);
            }

            Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(span), value);
            output.Advance(size);
            return;
        }

        var writer = new WireWriter(output);
        _converter.Write(ref writer, value, 0);
        writer.Flush();
    }

    /// <inheritdoc />
    /// <exception cref="GipcProtocolException">The payload is not a value of <typeparamref name="T"/> written by this
    /// codec: truncated, with trailing bytes, a count larger than the payload, invalid UTF-8, an out-of-range value,
    /// or nesting deeper than 64 levels.</exception>
    /// <exception cref="GipcException">The payload holds a gipc handle outside StartProcess arguments.</exception>
    public T Decode(ReadOnlySpan<byte> payload)
    {
        if (s_raw)
        {
            if (payload.Length != Unsafe.SizeOf<T>())
            {
                ThrowRawLength(payload.Length);
            }

            return Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(payload));
        }

        var reader = new WireReader(payload);
        T value;
        try
        {
            value = _converter.Read(ref reader, 0);
        }
        catch (GipcException)
        {
            throw;
        }
        catch (Exception e)
        {
            // A constructor that validates its arguments, a DateTimeOffset out of range...: all malformed input.
            throw BinaryThrowHelper.Wrap(e);
        }

        if (reader.Remaining != 0)
        {
            BinaryThrowHelper.ThrowTrailingBytes(reader.Remaining);
        }

        return value;
    }

    private static GipcBinaryCodec<T> Create()
    {
        var codec = new GipcBinaryCodec<T>(ConverterFactory.Get<T>());
        s_instance = codec;
        return codec;
    }

    private static bool IsRaw(Type type)
        => type.IsEnum
            || (type.IsPrimitive && type != typeof(bool) && type != typeof(IntPtr) && type != typeof(UIntPtr))
            || type == typeof(Guid) || type == typeof(TimeSpan) || type == typeof(Half)
            || type == typeof(Int128) || type == typeof(UInt128);

    private static void ThrowRawLength(int length)
    {
        if (length < Unsafe.SizeOf<T>())
        {
            BinaryThrowHelper.ThrowTruncated();
        }

        BinaryThrowHelper.ThrowTrailingBytes(length - Unsafe.SizeOf<T>());
    }
}
