using System;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>GipcReader.GetStreamAsync: a message's payload read piece by piece. Run on each reactor.</summary>
public abstract class MessageStreamTests : LeakCheckedTest
{
    private static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadToEnd(Stream stream, int chunk)
    {
        var into = new MemoryStream();
        var buffer = new byte[chunk];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            Assert.True(n <= chunk);
            into.Write(buffer, 0, n);
        }

        return into.ToArray();
    }

    [Fact]
    public void A_large_message_streams_through_a_small_buffer_and_the_next_message_follows()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            byte[] big = RandomBytes(5 << 20, 1); // larger than the pipe, the read buffer and the direct-write threshold
            Greenlet writer = Green.Spawn(async () =>
            {
                await pipe.Writer.PutAsync([1, 2, 3]);
                await pipe.Writer.PutAsync(big);
                await pipe.Writer.PutAsync([4]);
            });

            using (GipcMessageStream small = await pipe.Reader.GetStreamAsync())
            {
                Assert.Equal(3, small.Length);
                Assert.Equal(new byte[] { 1, 2, 3 }, await ReadToEnd(small, 2));
            }

            await using (GipcMessageStream stream = await pipe.Reader.GetStreamAsync())
            {
                Assert.Equal(big.Length, stream.Length);
                byte[] got = await ReadToEnd(stream, 64 << 10);
                Assert.Equal(SHA256.HashData(big), SHA256.HashData(got));
                Assert.Equal(big.Length, stream.Position);
                Assert.Equal(0, await stream.ReadAsync(new byte[10])); // the end of the message, not of the pipe
            }

            Assert.Equal(new byte[] { 4 }, await pipe.Reader.GetAsync());
            await writer;
        });
    }

    [Fact]
    public void Disposing_a_stream_early_skips_the_rest_of_its_message_even_before_it_arrives()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null });
            byte[] big = RandomBytes(3 << 20, 2);
            var sent = new GreenEvent();
            Greenlet writer = Green.Spawn(async () =>
            {
                await pipe.Writer.PutAsync(big);   // most of it waits in the writer until the reader skips
                await pipe.Writer.PutAsync([9, 9]);
                await pipe.Writer.FlushAsync();
                sent.Set();
            });

            GipcMessageStream stream = await pipe.Reader.GetStreamAsync();
            var first = new byte[100];
            int n = await stream.ReadAsync(first);
            Assert.True(n > 0);
            Assert.Equal(big.AsSpan(0, n).ToArray(), first.AsSpan(0, n).ToArray());
            stream.Dispose();
            Assert.False(stream.CanRead);
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await stream.ReadAsync(first));

            Assert.Equal(new byte[] { 9, 9 }, await pipe.Reader.GetAsync()); // reads through the skipped megabytes
            await sent.WaitAsync();
            await writer;
        });
    }

    [Fact]
    public void An_open_stream_locks_the_handle_against_other_gets()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            await pipe.Writer.PutAsync(new byte[1000]);
            await pipe.Writer.PutAsync([7]);
            GipcMessageStream stream = await pipe.Reader.GetStreamAsync();
            Assert.Throws<GipcLockedException>(() => pipe.Reader.GetAsync());
            Assert.Throws<GipcLockedException>(() => pipe.Reader.GetStreamAsync());
            Assert.Equal(1000, (await ReadToEnd(stream, 300)).Length);
            Assert.Equal(new byte[] { 7 }, await pipe.Reader.GetAsync()); // read to its end: unlocked without a dispose
            stream.Dispose();
        });
    }

    [Fact]
    public void A_stream_read_that_times_out_or_is_cancelled_loses_nothing()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            using var raw = new GreenStream(w, FileAccess.Write);
            byte[] payload = RandomBytes(1000, 3);
            byte[] frame = PipeTests.Frame(payload);

            await raw.WriteAsync(frame.AsMemory(0, 3)); // part of the header: the get times out, keeping it
            await Assert.ThrowsAsync<GreenTimeoutException>(() => reader.GetStreamAsync(TimeSpan.FromMilliseconds(20)).AsTask());
            await raw.WriteAsync(frame.AsMemory(3, 400));
            using GipcMessageStream stream = await reader.GetStreamAsync();
            var buffer = new byte[2000];
            Assert.Equal(398, await stream.ReadAsync(buffer));

            Assert.Throws<ArgumentOutOfRangeException>(() => stream.ReadTimeout = -2);
            Assert.Equal(Timeout.Infinite, stream.ReadTimeout);
            stream.ReadTimeout = 20;
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await stream.ReadAsync(buffer));
            stream.ReadTimeout = Timeout.Infinite;
            using (var cts = new CancellationTokenSource())
            {
                Greenlet<int> cancelled = Green.Spawn(async () => await stream.ReadAsync(buffer, cts.Token));
                await Green.Yield();
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
            }

            await raw.WriteAsync(frame.AsMemory(403));
            await raw.WriteAsync(PipeTests.Frame([5]));
            var rest = new MemoryStream();
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                rest.Write(buffer, 0, n);
            }

            Assert.Equal(payload.AsSpan(398).ToArray(), rest.ToArray());
            Assert.Equal(new byte[] { 5 }, await reader.GetAsync());
        });
    }

    [Fact]
    public void A_writer_closing_inside_a_streamed_payload_is_a_protocol_error_and_at_a_boundary_end_of_stream()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            var raw = new GreenStream(w, FileAccess.Write);
            await raw.WriteAsync(PipeTests.Frame([1]));
            await raw.WriteAsync(PipeTests.Frame(new byte[500]).AsMemory(0, 205)); // header + 200 of 500
            raw.Dispose();

            using (GipcMessageStream whole = await reader.GetStreamAsync())
            {
                Assert.Equal(new byte[] { 1 }, await ReadToEnd(whole, 10));
            }

            using GipcMessageStream cut = await reader.GetStreamAsync();
            Assert.Equal(200, await cut.ReadAsync(new byte[1000]));
            var error = await Assert.ThrowsAsync<GipcProtocolException>(async () => await cut.ReadAsync(new byte[1000]));
            Assert.Contains("300 bytes", error.Message, StringComparison.Ordinal);
            Assert.True(reader.IsClosed);

            SafeFdHandle.CreatePipe(out SafeFdHandle r2, out SafeFdHandle w2);
            using var reader2 = new GipcReader<byte[]>(r2, GipcRawCodec.Instance, GipcOptions.Default);
            w2.Dispose();
            await Assert.ThrowsAsync<EndOfStreamException>(() => reader2.GetStreamAsync().AsTask());
        });
    }

    [Fact]
    public void A_corrupt_header_is_a_protocol_error_for_a_stream_get_too()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, new GipcOptions { MaxFrameSize = 1 << 20 });
            using var raw = new GreenStream(w, FileAccess.Write);
            byte[] oversized = PipeTests.Frame([]);
            BitConverter.TryWriteBytes(oversized.AsSpan(1), (1 << 20) + 1);
            await raw.WriteAsync(oversized);
            var first = await Assert.ThrowsAsync<GipcProtocolException>(() => reader.GetStreamAsync().AsTask());
            Assert.True(reader.IsClosed);
            var later = await Assert.ThrowsAsync<GipcClosedException>(() => reader.GetStreamAsync().AsTask());
            Assert.Same(first, later.InnerException);
        });
    }

    [Fact]
    public void Empty_messages_json_payloads_and_unsupported_members()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> bytes = Gipc.Pipe<byte[]>();
            await bytes.Writer.PutAsync([]);
            await bytes.Writer.PutAsync([8]);
            using (GipcMessageStream empty = await bytes.Reader.GetStreamAsync())
            {
                Assert.Equal(0, empty.Length);
                Assert.Equal(0, await empty.ReadAsync(new byte[4]));
                Assert.Throws<NotSupportedException>(() => empty.Read(new byte[4], 0, 4));
                Assert.Throws<NotSupportedException>(() => empty.Seek(0, SeekOrigin.Begin));
                Assert.Throws<NotSupportedException>(() => empty.Position = 0);
                Assert.Throws<NotSupportedException>(() => empty.Write(new byte[1], 0, 1));
                Assert.False(empty.CanSeek);
                Assert.False(empty.CanWrite);
            }

            Assert.Equal(new byte[] { 8 }, await bytes.Reader.GetAsync());

            // A JSON message decoded straight from the pipe, piece by piece.
            using GipcPipe<string[]> json = Gipc.Pipe<string[]>(GipcJsonCodec<string[]>.Instance);
            string[] sent = [new string('a', 300_000), "b", "c"];
            Greenlet writer = Green.Spawn(async () => await json.Writer.PutAsync(sent));
            await using (GipcMessageStream stream = await json.Reader.GetStreamAsync())
            {
                string[]? got = await JsonSerializer.DeserializeAsync<string[]>(stream);
                Assert.Equal(sent, got);
            }

            await writer;
        });
    }

    [Fact]
    public void A_duplex_end_streams_too()
    {
        Run(async () =>
        {
            (GipcDuplex<byte[]> a, GipcDuplex<byte[]> b) = Gipc.DuplexPipe<byte[]>();
            using (a)
            using (b)
            {
                byte[] big = RandomBytes(2 << 20, 4);
                Greenlet writer = Green.Spawn(async () => await a.PutAsync(big));
                await using GipcMessageStream stream = await b.GetStreamAsync();
                Assert.Equal(SHA256.HashData(big), SHA256.HashData(await ReadToEnd(stream, 100_000)));
                await writer;
            }
        });
    }
}

[Collection(nameof(SerialGipcTests))]
public sealed class MessageStreamTests_Epoll : MessageStreamTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

[Collection(nameof(SerialGipcTests))]
public sealed class MessageStreamTests_Poll : MessageStreamTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
