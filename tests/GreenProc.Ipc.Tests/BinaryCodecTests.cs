using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc.Tests;

public class BinaryCodecTests
{
    public enum Color
    {
        Red,
        Green,
        Blue,
    }

    public enum Wide : long
    {
        Small = 1,
        Huge = long.MaxValue,
    }

    public enum Tiny : byte
    {
        A = 1,
    }

    public sealed record Point(int X, int Y);

    public sealed record Line(Point From, Point To, string? Label);

    public sealed record Drawing(string Name, List<Line> Lines, Dictionary<string, Point> Anchors, Color Color, int? Layer)
    {
        public IReadOnlyList<string> Tags { get; init; } = [];
    }

    public sealed record Node(int Value, Node? Next);

    public sealed record Tree(string Name, List<Tree> Children);

    public sealed class Mutable
    {
        public int Field;
        public string? Text { get; set; }
        public List<int>? Numbers { get; set; }
        public double Computed => Field * 2.0;
    }

    public sealed class WithConstructor
    {
        public WithConstructor(long id, string name)
        {
            Id = id;
            Name = name;
        }

        public long Id { get; }
        public string Name { get; }
        public int NameLength => Name.Length;
        public DateTime When { get; set; }
    }

    public struct PlainStruct
    {
        public int A;
        public double B;
        public string? C;
    }

    public readonly record struct Money(decimal Amount, string Currency);

    public struct Empty
    {
    }

    public sealed record Blobs(byte[]? Bytes, ReadOnlyMemory<byte> Ro, Memory<byte> Rw);

    public sealed record Validated
    {
        public Validated(int percent)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
            Percent = percent;
        }

        public int Percent { get; }
    }

    public sealed record Interfaces(
        IList<int> List,
        ICollection<string> Collection,
        IEnumerable<int> Sequence,
        IReadOnlyList<Point> ReadOnlyList,
        IReadOnlyCollection<long> ReadOnlyCollection,
        IDictionary<int, string> Dictionary,
        IReadOnlyDictionary<string, int> ReadOnlyDictionary,
        ISet<int> Set,
        HashSet<string> HashSet);

    public sealed class TestHandle(int id) : IGipcHandle
    {
        public int Id { get; } = id;

        public SafeFdHandle Handle => new(0, ownsHandle: false);
    }

    public sealed record WithHandles(string Name, TestHandle? Main, List<TestHandle> Many, TestHandle[] Array);

    public abstract class AbstractBase
    {
        public int X { get; set; }
    }

    public sealed record HoldsObject(int Id, object Payload);

    public sealed record HoldsAbstract(AbstractBase Base);

    public sealed class GetOnlyAutoProperty
    {
        public int X { get; set; }
        public int Lost { get; } = 5;
    }

    public struct ReadonlyField
    {
        public readonly int Kept;
        public int Settable;
    }

    public sealed class NoUsableConstructor(int unrelated)
    {
        public int X { get; set; } = unrelated;
    }

    private static byte[] Encode<T>(T value)
    {
        var output = new ArrayBufferWriter<byte>();
        GipcBinaryCodec<T>.Instance.Encode(value, output);
        return output.WrittenSpan.ToArray();
    }

    private static T Decode<T>(byte[] payload) => GipcBinaryCodec<T>.Instance.Decode(payload);

    private static T RoundTrip<T>(T value) => Decode<T>(Encode(value));

    private static void AssertRoundTrip<T>(T value) => Assert.Equal(value, RoundTrip(value));

    [Fact]
    public void Primitives_round_trip_including_extremes()
    {
        AssertRoundTrip(true);
        AssertRoundTrip(false);
        AssertRoundTrip(byte.MaxValue);
        AssertRoundTrip(sbyte.MinValue);
        AssertRoundTrip(short.MinValue);
        AssertRoundTrip(ushort.MaxValue);
        foreach (int i in new[] { 0, 1, -1, int.MinValue, int.MaxValue })
        {
            AssertRoundTrip(i);
        }

        AssertRoundTrip(uint.MaxValue);
        AssertRoundTrip(long.MinValue);
        AssertRoundTrip(long.MaxValue);
        AssertRoundTrip(ulong.MaxValue);
        AssertRoundTrip(float.Epsilon);
        AssertRoundTrip(float.NegativeInfinity);
        AssertRoundTrip(double.MaxValue);
        AssertRoundTrip(double.PositiveInfinity);
        AssertRoundTrip(double.Epsilon);
        AssertRoundTrip(decimal.MaxValue);
        AssertRoundTrip(decimal.MinValue);
        AssertRoundTrip(0.0000000000000000000000000001m);
        AssertRoundTrip(-123.4500m);
        AssertRoundTrip('\uD800');
        AssertRoundTrip('\uFFFF');
        AssertRoundTrip(Half.MaxValue);
        AssertRoundTrip(Int128.MinValue);
        AssertRoundTrip(UInt128.MaxValue);
        AssertRoundTrip(Guid.NewGuid());
        AssertRoundTrip(TimeSpan.MinValue);
        AssertRoundTrip(TimeSpan.MaxValue);
        AssertRoundTrip(DateOnly.MaxValue);
        AssertRoundTrip(DateOnly.MinValue);
        AssertRoundTrip(TimeOnly.MaxValue);
        Assert.Equal(4, Encode(42).Length);
        Assert.Equal(new byte[] { 0x2A, 0, 0, 0 }, Encode(42));
    }

    [Fact]
    public void NaN_and_negative_zero_survive_bit_for_bit()
    {
        double nan = BitConverter.Int64BitsToDouble(0x7FF8_0000_DEAD_BEEF);
        Assert.Equal(BitConverter.DoubleToInt64Bits(nan), BitConverter.DoubleToInt64Bits(RoundTrip(nan)));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(RoundTrip(-0.0)));
        float fnan = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC0_1234));
        Assert.Equal(BitConverter.SingleToInt32Bits(fnan), BitConverter.SingleToInt32Bits(RoundTrip(fnan)));
        Assert.True(double.IsNaN(RoundTrip(new[] { double.NaN })[0]));
    }

    [Fact]
    public void Dates_keep_ticks_kind_and_offset()
    {
        foreach (DateTimeKind kind in Enum.GetValues<DateTimeKind>())
        {
            var value = new DateTime(2024, 2, 29, 23, 59, 59, kind).AddTicks(1234567);
            DateTime back = RoundTrip(value);
            Assert.Equal(value.Ticks, back.Ticks);
            Assert.Equal(kind, back.Kind);
        }

        AssertRoundTrip(DateTime.MinValue);
        AssertRoundTrip(DateTime.MaxValue);
        var plus14 = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.FromHours(14));
        Assert.Equal(plus14.Offset, RoundTrip(plus14).Offset);
        AssertRoundTrip(plus14);
        AssertRoundTrip(new DateTimeOffset(1999, 12, 31, 23, 0, 0, TimeSpan.FromMinutes(-14 * 60)));
        AssertRoundTrip(DateTimeOffset.MinValue);
        AssertRoundTrip(DateTimeOffset.MaxValue);
    }

    [Fact]
    public void Strings_round_trip_null_empty_non_ascii_and_long()
    {
        AssertRoundTrip<string?>(null);
        AssertRoundTrip(string.Empty);
        AssertRoundTrip("héllo wörld");
        AssertRoundTrip("日本語のテキスト 😀🎉 Ελληνικά");
        AssertRoundTrip(new string('é', 42));
        AssertRoundTrip(new string('€', 43));
        AssertRoundTrip(string.Concat(Enumerable.Repeat("aé😀€", 60_000)));
        Assert.Equal(new byte[] { 0 }, Encode<string?>(null));
        Assert.Equal(new byte[] { 1 }, Encode(string.Empty));
        Assert.Equal(new byte[] { 3, (byte)'h', (byte)'i' }, Encode("hi"));

        // An unpaired surrogate has no UTF-8 form: it becomes U+FFFD rather than failing the send.
        Assert.Equal("a\uFFFDb", RoundTrip("a\uD800b"));
        Assert.Equal(new string('\uFFFD', 50), RoundTrip(new string('\uDC00', 50)));
    }

    [Fact]
    public void Enums_nullables_and_blobs_round_trip()
    {
        AssertRoundTrip(Color.Blue);
        AssertRoundTrip((Color)42);
        AssertRoundTrip(Wide.Huge);
        AssertRoundTrip((Tiny)200);
        Assert.Single(Encode(Tiny.A));
        AssertRoundTrip<int?>(null);
        AssertRoundTrip<int?>(7);
        AssertRoundTrip<Color?>(Color.Green);
        AssertRoundTrip<Point?>(null);
        AssertRoundTrip<byte[]?>(null);
        AssertRoundTrip(Array.Empty<byte>());
        byte[] big = new byte[1 << 20];
        new Random(1).NextBytes(big);
        Assert.Equal(big, RoundTrip(big));
        Assert.Equal(new byte[] { 1, 2, 3 }, RoundTrip(new ReadOnlyMemory<byte>([1, 2, 3])).ToArray());
        Assert.Equal(new byte[] { 9 }, RoundTrip(new Memory<byte>([9])).ToArray());

        Blobs blobs = RoundTrip(new Blobs(null, new byte[] { 4, 5 }, Memory<byte>.Empty));
        Assert.Null(blobs.Bytes);
        Assert.Equal(new byte[] { 4, 5 }, blobs.Ro.ToArray());
        Assert.True(blobs.Rw.IsEmpty);
    }

    [Fact]
    public void Collections_round_trip_including_empty_and_null()
    {
        AssertRoundTrip(new[] { 1, -2, int.MaxValue });
        AssertRoundTrip(new[] { Color.Red, (Color)9 });
        AssertRoundTrip(new[] { "a", null, "ü" });
        AssertRoundTrip(Array.Empty<long>());
        AssertRoundTrip<int[]?>(null);
        AssertRoundTrip(new int[][] { [1, 2], [], null! });
        AssertRoundTrip(new List<string?> { "x", null });
        AssertRoundTrip(new List<Guid>());
        AssertRoundTrip<List<int>?>(null);
        AssertRoundTrip(new List<decimal> { 1.5m, -0.1m });
        AssertRoundTrip(new Dictionary<string, List<int>> { ["a"] = [1, 2], ["é"] = [], ["null"] = null! });
        AssertRoundTrip(new Dictionary<int, Point?> { [1] = new Point(1, 2), [2] = null });
        AssertRoundTrip(new Dictionary<long, string>());
        AssertRoundTrip(new HashSet<string> { "x", "y" });
        AssertRoundTrip(new HashSet<string?> { "x", null });
        AssertRoundTrip(new List<int?> { 1, null, 3 });
        AssertRoundTrip(new List<DateTime> { DateTime.UnixEpoch, DateTime.MaxValue });

        int[] large = Enumerable.Range(0, 100_000).ToArray();
        Assert.Equal(large, RoundTrip(large));
        Assert.Equal(4 * large.Length + 3, Encode(large).Length);
    }

    [Fact]
    public void Collection_interfaces_accept_any_implementation_and_decode_as_list_or_array()
    {
        var value = new Interfaces(
            List: new[] { 1, 2 },
            Collection: new LinkedList<string>(["x", "y"]),
            Sequence: Enumerable.Range(0, 5).Where(i => i % 2 == 0),
            ReadOnlyList: new List<Point> { new(1, 2) }.AsReadOnly(),
            ReadOnlyCollection: new Queue<long>([5, 6]),
            Dictionary: new SortedDictionary<int, string> { [2] = "b", [1] = "a" },
            ReadOnlyDictionary: new SortedList<string, int> { ["k"] = 1 },
            Set: new SortedSet<int> { 3, 1 },
            HashSet: ["h"]);

        Interfaces back = RoundTrip(value);
        Assert.IsType<List<int>>(back.List);
        Assert.Equal(new[] { 1, 2 }, back.List);
        Assert.IsType<List<string>>(back.Collection);
        Assert.Equal(new[] { "x", "y" }, back.Collection);
        Assert.IsType<int[]>(back.Sequence);
        Assert.Equal(new[] { 0, 2, 4 }, back.Sequence);
        Assert.IsType<Point[]>(back.ReadOnlyList);
        Assert.Equal(new[] { new Point(1, 2) }, back.ReadOnlyList);
        Assert.Equal(new long[] { 5, 6 }, back.ReadOnlyCollection);
        Assert.IsType<Dictionary<int, string>>(back.Dictionary);
        Assert.Equal("a", back.Dictionary[1]);
        Assert.Equal(1, back.ReadOnlyDictionary["k"]);
        Assert.IsType<HashSet<int>>(back.Set);
        Assert.True(back.Set.SetEquals([1, 3]));
        Assert.Contains("h", back.HashSet);
    }

    [Fact]
    public void Nested_records_with_lists_dictionaries_and_init_properties_round_trip()
    {
        var drawing = new Drawing(
            "plan — 設計",
            [new Line(new Point(0, 0), new Point(int.MaxValue, int.MinValue), "diagonal"), new Line(new Point(1, 1), new Point(2, 2), null)],
            new Dictionary<string, Point> { ["origin"] = new Point(0, 0) },
            Color.Green,
            null)
        {
            Tags = ["a", "b"],
        };

        Drawing back = RoundTrip(drawing);
        Assert.Equal(drawing.Name, back.Name);
        Assert.Equal(drawing.Lines, back.Lines);
        Assert.Equal(drawing.Anchors, back.Anchors);
        Assert.Equal(drawing.Color, back.Color);
        Assert.Null(back.Layer);
        Assert.Equal(drawing.Tags, back.Tags);

        Drawing empty = RoundTrip(new Drawing(string.Empty, [], [], Color.Red, 3));
        Assert.Empty(empty.Lines);
        Assert.Empty(empty.Anchors);
        Assert.Equal(3, empty.Layer);
        Assert.Empty(empty.Tags);

        Drawing nulls = RoundTrip(new Drawing(null!, null!, null!, Color.Red, null) { Tags = null! });
        Assert.Null(nulls.Name);
        Assert.Null(nulls.Lines);
        Assert.Null(nulls.Anchors);
        Assert.Null(nulls.Tags);
    }

    [Fact]
    public void Classes_structs_tuples_and_recursive_types_round_trip()
    {
        Mutable m = RoundTrip(new Mutable { Field = 21, Text = "t", Numbers = [1] });
        Assert.Equal(21, m.Field);
        Assert.Equal("t", m.Text);
        Assert.Equal(new[] { 1 }, m.Numbers);
        Assert.Equal(42.0, m.Computed);

        var when = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        WithConstructor c = RoundTrip(new WithConstructor(long.MinValue, "név") { When = when });
        Assert.Equal(long.MinValue, c.Id);
        Assert.Equal("név", c.Name);
        Assert.Equal(when, c.When);

        AssertRoundTrip(new PlainStruct { A = -1, B = 2.5, C = "s" });
        AssertRoundTrip(new PlainStruct());
        AssertRoundTrip(new Money(12.34m, "EUR"));
        AssertRoundTrip<Money?>(null);
        AssertRoundTrip(new Empty());
        Assert.Equal(new byte[] { 0 }, Encode(new Empty()));
        AssertRoundTrip(new[] { new Empty(), new Empty() });

        AssertRoundTrip((1, "two", new List<int> { 3 }.Count, Color.Blue));
        AssertRoundTrip((1, 2, 3, 4, 5, 6, 7, 8, "nine", 10L));
        AssertRoundTrip(Tuple.Create(1, "x", (Point?)null));
        AssertRoundTrip(new Tuple<int, int, int, int, int, int, int, Tuple<string>>(1, 2, 3, 4, 5, 6, 7, Tuple.Create("r")));
        AssertRoundTrip(new KeyValuePair<string, Point>("k", new Point(3, 4)));
        AssertRoundTrip(new List<KeyValuePair<int, string?>> { new(1, null) });

        var tree = new Tree("root", [new Tree("a", [new Tree("a1", [])]), new Tree("b", null!)]);
        Tree back = RoundTrip(tree);
        Assert.Equal("a1", back.Children[0].Children[0].Name);
        Assert.Null(back.Children[1].Children);

        Node chain = Chain(50);
        Node? n = RoundTrip(chain);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(i, n!.Value);
            n = n.Next;
        }

        Assert.Null(n);
    }

    [Fact]
    public void A_writer_that_hands_out_tiny_spans_gets_the_same_payload()
    {
        var drawing = new Drawing(
            new string('x', 100) + "é😀",
            [new Line(new Point(1, 2), new Point(3, 4), new string('ü', 300))],
            new Dictionary<string, Point> { ["k"] = new Point(5, 6) },
            Color.Blue,
            9);
        var stingy = new StingyWriter();
        GipcBinaryCodec<Drawing>.Instance.Encode(drawing, stingy);
        Assert.Equal(Encode(drawing), stingy.Written.ToArray());

        byte[] blob = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var stingyBlob = new StingyWriter();
        GipcBinaryCodec<byte[]>.Instance.Encode(blob, stingyBlob);
        Assert.Equal(blob, Decode<byte[]>(stingyBlob.Written.ToArray()));

        string text = string.Concat(Enumerable.Repeat("a😀é", 30_000));
        var stingyText = new StingyWriter();
        GipcBinaryCodec<string>.Instance.Encode(text, stingyText);
        Assert.Equal(text, Decode<string>(stingyText.Written.ToArray()));
    }

    [Fact]
    public void Handles_are_written_as_table_indexes_and_resolved_back()
    {
        var main = new TestHandle(1);
        var other = new TestHandle(2);
        var value = new WithHandles("h", main, [other, main], [other, null!]);

        var table = new HandleTable();
        byte[] payload;
        using (table.Activate())
        {
            payload = Encode(value);
        }

        Assert.Equal(new IGipcHandle[] { main, other }, table.Handles);

        var received = new[] { new TestHandle(10), new TestHandle(20) };
        var types = new List<Type>();
        var child = new HandleTable((index, type) =>
        {
            types.Add(type);
            return received[index];
        });
        WithHandles back;
        using (child.Activate())
        {
            back = Decode<WithHandles>(payload);
        }

        Assert.Null(HandleTable.Current);
        Assert.Equal("h", back.Name);
        Assert.Same(received[0], back.Main);
        Assert.Same(received[1], back.Many[0]);
        Assert.Same(received[0], back.Many[1]);
        Assert.Same(received[1], back.Array[0]);
        Assert.Null(back.Array[1]);
        Assert.All(types, t => Assert.Equal(typeof(TestHandle), t));
    }

    [Fact]
    public void A_handle_outside_StartProcess_is_a_GipcException_on_both_sides()
    {
        Assert.Null(HandleTable.Current);
        var value = new WithHandles("h", new TestHandle(1), [], []);
        GipcException e = Assert.Throws<GipcException>(() => Encode(value));
        Assert.IsNotType<GipcProtocolException>(e);
        Assert.Contains("StartProcess", e.Message, StringComparison.Ordinal);

        byte[] payload;
        using (new HandleTable().Activate())
        {
            payload = Encode(value);
        }

        e = Assert.Throws<GipcException>(() => Decode<WithHandles>(payload));
        Assert.IsNotType<GipcProtocolException>(e);
        Assert.Contains("StartProcess", e.Message, StringComparison.Ordinal);

        // A null handle is no handle: it needs no table.
        WithHandles nulls = RoundTrip(new WithHandles("n", null, [], []));
        Assert.Null(nulls.Main);
        Assert.Throws<GipcException>(() => Encode(new TestHandle(3)));
    }

    [Fact]
    public void A_resolver_returning_the_wrong_handle_type_is_a_protocol_error()
    {
        byte[] payload;
        using (new HandleTable().Activate())
        {
            payload = Encode(new TestHandle(1));
        }

        using (new HandleTable((_, _) => new OtherHandle()).Activate())
        {
            Assert.Throws<GipcProtocolException>(() => Decode<TestHandle>(payload));
        }
    }

    [Fact]
    public void Unsupported_types_are_refused_when_the_codec_is_created()
    {
        AssertUnsupported(() => GipcBinaryCodec<object>.Instance, "Object");
        AssertUnsupported(() => GipcBinaryCodec<IComparable>.Instance, "interface");
        AssertUnsupported(() => GipcBinaryCodec<AbstractBase>.Instance, "abstract");
        AssertUnsupported(() => GipcBinaryCodec<Action>.Instance, "delegate");
        AssertUnsupported(() => GipcBinaryCodec<Func<int>>.Instance, "delegate");
        AssertUnsupported(() => GipcBinaryCodec<int[,]>.Instance, "one-dimensional");
        AssertUnsupported(() => GipcBinaryCodec<Queue<int>>.Instance, "collection");
        AssertUnsupported(() => GipcBinaryCodec<nint>.Instance, "native");
        AssertUnsupported(() => GipcBinaryCodec<Memory<int>>.Instance, "Memory<byte>");
        AssertUnsupported(() => GipcBinaryCodec<BigInteger>.Instance, "non-public");
        AssertUnsupported(() => GipcBinaryCodec<NoUsableConstructor>.Instance, "constructor");
        AssertUnsupported(() => GipcBinaryCodec<GetOnlyAutoProperty>.Instance, "Lost");
        AssertUnsupported(() => GipcBinaryCodec<ReadonlyField>.Instance, "ReadonlyField.Kept");
        AssertUnsupported(() => GipcBinaryCodec<SafeFdHandle>.Instance, "non-public");
        AssertUnsupported(() => GipcBinaryCodec<HoldsObject>.Instance, "HoldsObject.Payload");
        AssertUnsupported(() => GipcBinaryCodec<List<HoldsAbstract>>.Instance, "HoldsAbstract.Base");
        AssertUnsupported(() => GipcBinaryCodec<Dictionary<string, object>>.Instance, "Object");

        // A failed attempt leaves nothing half-built: asking again fails the same way.
        AssertUnsupported(() => GipcBinaryCodec<HoldsObject>.Instance, "HoldsObject.Payload");
    }

    [Fact]
    public void A_reference_cycle_or_too_deep_structure_is_refused_on_encode()
    {
        var a = new Mutable2();
        a.Next = a;
        ArgumentException e = Assert.Throws<ArgumentException>(() => Encode(a));
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Encode(Chain(100)));
        Encode(Chain(64));
    }

    [Fact]
    public void Every_truncation_of_a_payload_is_a_protocol_error()
    {
        var drawing = new Drawing(
            "trünc",
            [new Line(new Point(1, 2), new Point(3, 4), "l")],
            new Dictionary<string, Point> { ["k"] = new Point(5, 6) },
            Color.Blue,
            9)
        {
            Tags = ["t"],
        };
        AssertEveryPrefixFails(Encode(drawing), Decode<Drawing>);
        AssertEveryPrefixFails(Encode(123456789), Decode<int>);
        AssertEveryPrefixFails(Encode(12.5m), Decode<decimal>);
        AssertEveryPrefixFails(Encode("héllo"), Decode<string>);
        AssertEveryPrefixFails(Encode(new[] { 1L, 2L }), Decode<long[]>);
        AssertEveryPrefixFails(Encode((1, "x", new PlainStruct { C = "c" })), Decode<(int, string, PlainStruct)>);
        AssertEveryPrefixFails(Encode(new HashSet<string> { "a", "b" }), Decode<HashSet<string>>);
    }

    [Fact]
    public void Counts_larger_than_the_payload_are_refused_before_allocating()
    {
        // 0xFF 0xFF 0xFF 0xFF 0x07 is 2^31 - 1: "two billion elements", followed by a few bytes.
        byte[] huge = [0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3, 4, 5];
        AssertProtocolError(huge, Decode<string>);
        AssertProtocolError(huge, Decode<byte[]>);
        AssertProtocolError(huge, Decode<int[]>);
        AssertProtocolError(huge, Decode<List<Point>>);
        AssertProtocolError(huge, Decode<List<Empty>>);
        AssertProtocolError(huge, Decode<IEnumerable<long>>);
        AssertProtocolError(huge, Decode<Dictionary<int, int>>);
        AssertProtocolError(huge, Decode<HashSet<Guid>>);
        AssertProtocolError(huge, Decode<ReadOnlyMemory<byte>>);

        // Just one element more than fits: 3 ints claimed, 8 bytes present.
        AssertProtocolError([4, 1, 0, 0, 0, 2, 0, 0, 0], Decode<int[]>);

        // The largest varint (2^32 - 1) and over-long varints.
        AssertProtocolError([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], Decode<string>);
        AssertProtocolError([0xFF, 0xFF, 0xFF, 0xFF, 0x1F], Decode<string>);
        AssertProtocolError([0x80, 0x80, 0x80, 0x80, 0x80, 0x00], Decode<string>);
    }

    [Fact]
    public void Trailing_bytes_are_a_protocol_error()
    {
        AssertProtocolError([.. Encode(new Point(1, 2)), 0], Decode<Point>);
        AssertProtocolError([.. Encode(7), 0], Decode<int>);
        AssertProtocolError([.. Encode("s"), 0xFF], Decode<string>);
        AssertProtocolError([.. Encode<string?>(null), 0], Decode<string?>);
    }

    [Fact]
    public void Invalid_utf8_is_a_protocol_error()
    {
        AssertProtocolError([3, 0xC3, 0x28], Decode<string>);
        AssertProtocolError([2, 0xFF], Decode<string>);
        AssertProtocolError([3, 0xC0, 0xAF], Decode<string>); // overlong '/'
        AssertProtocolError([4, 0xED, 0xA0, 0x80], Decode<string>); // an encoded surrogate
        AssertProtocolError([2, 0xE2], Decode<string>); // cut in the middle of a sequence
        byte[] inRecord = Encode(new Line(new Point(0, 0), new Point(0, 0), "ok"));
        inRecord[^1] = 0xFF;
        AssertProtocolError(inRecord, Decode<Line>);
    }

    [Fact]
    public void Out_of_range_values_are_protocol_errors()
    {
        AssertProtocolError([2], Decode<bool>);
        AssertProtocolError([2, 0, 0, 0, 0, 0, 0, 0, 0], Decode<Point>); // presence byte 2
        AssertProtocolError([1], Decode<Empty>);
        AssertProtocolError([2, 0, 0, 0, 0], Decode<int?>);
        AssertProtocolError([0, 0, 0, 0, 0, 0, 0, 0xC0], Decode<DateTime>); // kind 3
        AssertProtocolError([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F], Decode<DateTime>); // ticks past MaxValue
        AssertProtocolError([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 29, 0], Decode<decimal>); // scale 29
        AssertProtocolError([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], Decode<decimal>); // stray flag bits
        AssertProtocolError([0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0x7F], Decode<DateTimeOffset>); // offset out of range
        AssertProtocolError([0, 0, 0, 0, 0, 0, 0, 0, 0x3C, 0], Decode<DateTimeOffset>); // MinValue at +1h is before year 1 in UTC
        AssertProtocolError([0xFF, 0xFF, 0xFF, 0x7F], Decode<DateOnly>);
        AssertProtocolError([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], Decode<TimeOnly>);
        AssertProtocolError([3, 2, 1, 0, 0, 0, 1, 0, 0, 0], Decode<HashSet<int>>); // the same element twice
        AssertProtocolError([3, 2, (byte)'a', 1, 0, 0, 0, 2, (byte)'a', 2, 0, 0, 0], Decode<Dictionary<string, int>>); // the same key twice
        AssertProtocolError([2, 0, 1, 0, 0, 0], Decode<Dictionary<string, int>>); // a null key

        // A constructor that validates its arguments turns hostile input into an exception: wrapped.
        GipcProtocolException e = AssertProtocolError(Encode(new Validated(100)).Select(b => b == 100 ? (byte)101 : b).ToArray(), Decode<Validated>);
        Assert.IsType<ArgumentOutOfRangeException>(e.InnerException);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_protocol_error()
    {
        // A hand-made chain of 100 nodes, too deep for any encoder to have written: 1, value, 1, value, ..., 0.
        var payload = new List<byte>();
        for (int i = 0; i < 100; i++)
        {
            payload.Add(1);
            payload.AddRange(BitConverter.GetBytes(i));
        }

        payload.Add(0);
        GipcProtocolException e = AssertProtocolError(payload.ToArray(), Decode<Node>);
        Assert.Contains("deep", e.Message, StringComparison.Ordinal);

        // The same through nested lists of a recursive type.
        var lists = new List<byte>();
        for (int i = 0; i < 100; i++)
        {
            lists.AddRange([1, 1, 2]); // a tree: present, name "" , one child
        }

        lists.AddRange([1, 1, 1]); // the innermost: present, "", no children
        AssertProtocolError(lists.ToArray(), Decode<Tree>);
    }

    [Fact]
    public void Random_and_corrupted_payloads_decode_or_raise_protocol_errors_only()
    {
        var random = new Random(12345);
        byte[] valid = Encode(new Drawing(
            "fuzz",
            [new Line(new Point(1, 2), new Point(3, 4), "l"), new Line(new Point(5, 6), new Point(7, 8), null)],
            new Dictionary<string, Point> { ["k"] = new Point(5, 6), ["é"] = new Point(0, 1) },
            Color.Blue,
            9)
        {
            Tags = ["t", "u"],
        });

        for (int i = 0; i < 20_000; i++)
        {
            byte[] payload;
            if (i % 2 == 0)
            {
                payload = new byte[random.Next(0, 64)];
                random.NextBytes(payload);
            }
            else
            {
                payload = (byte[])valid.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    payload[random.Next(payload.Length)] = (byte)random.Next(256);
                }
            }

            TryDecode<Drawing>(payload);
            TryDecode<Tree>(payload);
            TryDecode<Interfaces>(payload);
            TryDecode<(string, int?, DateTimeOffset)>(payload);
        }
    }

    private static void TryDecode<T>(byte[] payload)
    {
        try
        {
            Decode<T>(payload);
        }
        catch (GipcProtocolException)
        {
        }
    }

    private static Node Chain(int length)
    {
        Node? node = null;
        for (int i = length - 1; i >= 0; i--)
        {
            node = new Node(i, node);
        }

        return node!;
    }

    private static void AssertUnsupported(Func<object> create, string mention)
    {
        NotSupportedException e = Assert.Throws<NotSupportedException>(create);
        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
    }

    private static GipcProtocolException AssertProtocolError<T>(byte[] payload, Func<byte[], T> decode)
        => Assert.Throws<GipcProtocolException>(() => decode(payload));

    private static void AssertEveryPrefixFails<T>(byte[] payload, Func<byte[], T> decode)
    {
        decode(payload);
        for (int length = 0; length < payload.Length; length++)
        {
            AssertProtocolError(payload[..length], decode);
        }
    }

    public sealed class Mutable2
    {
        public Mutable2? Next { get; set; }
    }

    private sealed class OtherHandle : IGipcHandle
    {
        public SafeFdHandle Handle => new(0, ownsHandle: false);
    }

    /// <summary>Hands out spans of exactly the size asked for (at least one byte), to exercise the chunked writes.</summary>
    private sealed class StingyWriter : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new();

        public ReadOnlySpan<byte> Written => _inner.WrittenSpan;

        public void Advance(int count) => _inner.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint).Slice(0, Math.Max(sizeHint, 1));

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint).Slice(0, Math.Max(sizeHint, 1));
    }
}
