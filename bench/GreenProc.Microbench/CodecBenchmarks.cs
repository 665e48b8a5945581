using System;
using System.Buffers;
using BenchmarkDotNet.Attributes;
using GreenProc.Ipc;

namespace GreenProc.Microbench;

/// <summary>
/// gipc's default typed codec (<see cref="GipcBinaryCodec{T}"/>), per message, no pipe: encode into a reused buffer,
/// decode from a payload encoded once. An <c>int</c> (a block copy) and a <see cref="SmallRecord"/> (the member
/// converters, a string).
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly GipcBinaryCodec<int> _intCodec = GipcBinaryCodec<int>.Instance;
    private readonly GipcBinaryCodec<SmallRecord> _recordCodec = GipcBinaryCodec<SmallRecord>.Instance;
    private readonly SmallRecord _record = new(42, 3.5, "hello, gipc");
    private byte[] _intPayload = [];
    private byte[] _recordPayload = [];

    [GlobalSetup]
    public void Setup()
    {
        _intCodec.Encode(123_456, _buffer);
        _intPayload = _buffer.WrittenSpan.ToArray();
        _buffer.ResetWrittenCount();
        _recordCodec.Encode(_record, _buffer);
        _recordPayload = _buffer.WrittenSpan.ToArray();
        _buffer.ResetWrittenCount();
        Console.WriteLine(FormattableString.Invariant($"// payloads: int {_intPayload.Length} B, record {_recordPayload.Length} B"));
    }

    [Benchmark]
    public int Encode_int()
    {
        _buffer.ResetWrittenCount();
        _intCodec.Encode(123_456, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public int Decode_int() => _intCodec.Decode(_intPayload);

    [Benchmark]
    public int Encode_record()
    {
        _buffer.ResetWrittenCount();
        _recordCodec.Encode(_record, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public SmallRecord Decode_record() => _recordCodec.Decode(_recordPayload);
}
