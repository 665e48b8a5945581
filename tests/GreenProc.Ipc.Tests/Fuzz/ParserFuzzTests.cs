using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc.Tests.Fuzz;

/// <summary>
/// Every parser of bytes from another process, fed random, truncated, bit-flipped and oversized input: each input ends as
/// a value or the parser's one documented exception, never another exception, a hang, or an allocation out of proportion
/// to the input (a length field must not buy memory the bytes do not hold).
/// </summary>
public sealed class ParserFuzzTests
{
    // A decode may allocate the objects its bytes describe, a few times over; what it may not do is trust a count.
    private const long AllocationPerInputByte = 64;
    private const long AllocationFloor = 256 << 10;

    [Fact]
    public void The_binary_codec_decodes_any_bytes_to_a_value_or_a_protocol_error()
    {
        FuzzDecode(1, Valid.Drawings, GipcBinaryCodec<BinaryCodecTests.Drawing>.Instance);
        FuzzDecode(2, Valid.Strings, GipcBinaryCodec<string>.Instance);
        FuzzDecode(3, Valid.Maps, GipcBinaryCodec<Dictionary<string, long[]>>.Instance);
        FuzzDecode(4, Valid.Tuples, GipcBinaryCodec<(int, string?, double, byte[])>.Instance);
        FuzzDecode(5, Valid.Trees, GipcBinaryCodec<BinaryCodecTests.Tree>.Instance);
    }

    [Fact]
    public void The_binary_codec_round_trips_random_values()
    {
        var random = new Random(FuzzInput.Seed(6));
        GipcBinaryCodec<BinaryCodecTests.Drawing> codec = GipcBinaryCodec<BinaryCodecTests.Drawing>.Instance;
        for (int i = 0; i < FuzzInput.Iterations(300); i++)
        {
            BinaryCodecTests.Drawing drawing = Valid.Drawing(random);
            byte[] bytes = Encode(codec, drawing);
            BinaryCodecTests.Drawing back = codec.Decode(bytes);
            Assert.Equal(Encode(codec, back), bytes); // the same value, compared through its canonical encoding
            Assert.Equal(drawing.Name, back.Name);
            Assert.Equal(drawing.Lines, back.Lines);
        }
    }

    [Fact]
    public void A_remote_error_record_reads_to_an_exception_or_a_protocol_error()
    {
        int seed = FuzzInput.Seed(7);
        var random = new Random(seed);
        byte[][] valid =
        [
            RemoteError.ToBytes(new InvalidOperationException("outer", new AggregateException(new ArgumentException("a"), new IOException("b")))),
            RemoteError.ToBytes(new Exception("plain")),
        ];
        for (int i = 0; i < FuzzInput.Iterations(3000); i++)
        {
            byte[] input = i % 4 == 0 ? FuzzInput.Noise(random) : FuzzInput.Mutate(random, valid[random.Next(valid.Length)]);
            Expect<GipcProtocolException>(seed, i, input, () => RemoteError.Read(input, 1));
        }
    }

    [Fact]
    public void Regression_a_remote_error_string_that_is_not_UTF8_is_a_protocol_error()
    {
        // Minimised from the fuzzer's first find (seed 20261204, iteration 3): a DecoderFallbackException escaped.
        byte[] record = [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
        var e = Assert.Throws<GipcProtocolException>(() => RemoteError.Read(record, 1));
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_child_bootstrap_parses_to_a_bootstrap_or_InvalidDataException()
    {
        int seed = FuzzInput.Seed(8);
        var random = new Random(seed);
        byte[] valid = new Bootstrap
        {
            AssemblyName = "App",
            AssemblyPath = "/app/App.dll",
            MethodToken = 0x06000001,
            TypeName = "App.Program",
            Name = "child",
            OutcomeFd = 3,
            ExtraFdCount = 1,
            Handles = [new HandleDescriptor(HandleKind.Reader, CodecKind.Binary, null, 4, -1, 1 << 20, 1 << 16, 1 << 16, TimeSpan.FromSeconds(5))],
            Arguments = [[1, 2, 3], []],
        }.Serialize();
        Assert.Equal("child", Bootstrap.Deserialize(valid).Name);
        for (int i = 0; i < FuzzInput.Iterations(3000); i++)
        {
            byte[] input = i % 4 == 0 ? FuzzInput.Noise(random) : FuzzInput.Mutate(random, valid);
            Expect<InvalidDataException>(seed, i, input, () => Bootstrap.Deserialize(input));
        }
    }

    private static void FuzzDecode<T>(int salt, Func<Random, T> values, GipcBinaryCodec<T> codec)
    {
        int seed = FuzzInput.Seed(salt);
        var random = new Random(seed);
        for (int i = 0; i < FuzzInput.Iterations(2000); i++)
        {
            byte[] input = i % 4 == 0 ? FuzzInput.Noise(random) : FuzzInput.Mutate(random, Encode(codec, values(random)));
            Expect<GipcProtocolException>(seed, i, input, () => codec.Decode(input));
        }
    }

    /// <summary>Runs one parse: it returns, or throws <typeparamref name="TDocumented"/>; it allocates in proportion to its input.</summary>
    private static void Expect<TDocumented>(int seed, int iteration, byte[] input, Func<object?> parse)
        where TDocumented : Exception
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            parse();
        }
        catch (TDocumented)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name} ({e.Message}) where only {typeof(TDocumented).Name} may escape; {FuzzInput.Describe(seed, iteration, input)}\n{e}");
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(
            allocated <= AllocationFloor + (AllocationPerInputByte * input.Length),
            $"{allocated:N0} bytes allocated for a {input.Length}-byte input; {FuzzInput.Describe(seed, iteration, input)}");
    }

    private static byte[] Encode<T>(GipcBinaryCodec<T> codec, T value)
    {
        var output = new ArrayBufferWriter<byte>();
        codec.Encode(value, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Random valid values, the seeds of the mutations.</summary>
    private static class Valid
    {
        public static BinaryCodecTests.Drawing Drawings(Random r) => Drawing(r);

        public static BinaryCodecTests.Drawing Drawing(Random r)
        {
            var lines = Enumerable.Range(0, r.Next(6))
                .Select(_ => new BinaryCodecTests.Line(new(r.Next(), r.Next()), new(r.Next(-9, 9), r.Next()), r.Next(3) == 0 ? null : Text(r)))
                .ToList();
            var anchors = Enumerable.Range(0, r.Next(4)).ToDictionary(i => Text(r) + i, _ => new BinaryCodecTests.Point(r.Next(), r.Next()));
            return new BinaryCodecTests.Drawing(Text(r), lines, anchors, (BinaryCodecTests.Color)r.Next(3), r.Next(2) == 0 ? null : r.Next())
            {
                Tags = [.. Enumerable.Range(0, r.Next(3)).Select(_ => Text(r))],
            };
        }

        public static string Strings(Random r) => Text(r);

        public static Dictionary<string, long[]> Maps(Random r)
            => Enumerable.Range(0, r.Next(5)).ToDictionary(i => Text(r) + i, _ => Enumerable.Range(0, r.Next(6)).Select(_ => r.NextInt64()).ToArray());

        public static (int, string?, double, byte[]) Tuples(Random r)
        {
            var bytes = new byte[r.Next(40)];
            r.NextBytes(bytes);
            return (r.Next(), r.Next(3) == 0 ? null : Text(r), r.NextDouble(), bytes);
        }

        public static BinaryCodecTests.Tree Trees(Random r) => Tree(r, 0);

        private static BinaryCodecTests.Tree Tree(Random r, int depth)
            => new(Text(r), depth > 3 ? [] : [.. Enumerable.Range(0, r.Next(3)).Select(_ => Tree(r, depth + 1))]);

        private static string Text(Random r)
        {
            // Whole code points only (the emoji is a surrogate pair): the codec writes strict UTF-8, and a cut pair is the
            // fuzzer's job, on the bytes.
            string[] pieces = ["a", "b", "x", "z", " ", "é", "€", "😀", "\0", "\n"];
            return string.Concat(Enumerable.Range(0, r.Next(12)).Select(_ => pieces[r.Next(pieces.Length)]));
        }

    }
}
