using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>gipc pipes within one process: framing, ordering, closing, errors. Run on each reactor.</summary>
public abstract class PipeTests : LeakCheckedTest
{
    private static readonly GipcOptions SmallPipe = new() { PipeSize = null, WriteBufferLimit = 64 << 10 };

    [Fact]
    public void Messages_arrive_whole_and_in_order()
    {
        Run(async () =>
        {
            using GipcPipe<string> pipe = Gipc.Pipe<string>(GipcJsonCodec<string>.Instance);
            (GipcReader<string> reader, GipcWriter<string> writer) = pipe;
            for (int i = 0; i < 1000; i++)
            {
                await writer.PutAsync($"message {i} " + new string('x', i));
            }

            for (int i = 0; i < 1000; i++)
            {
                Assert.Equal($"message {i} " + new string('x', i), await reader.GetAsync());
            }
        });
    }

    [Fact]
    public void Random_sizes_round_trip_checksummed_with_a_concurrent_reader()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            var random = new Random(42);
            var sent = new List<byte[]>();
            for (int i = 0; i < 3000; i++)
            {
                // mostly small, some larger than the read buffer and the direct-write threshold
                int size = random.Next(10) == 0 ? random.Next(300_000) : random.Next(200);
                var m = new byte[size];
                random.NextBytes(m);
                sent.Add(m);
            }

            Greenlet<int> reader = Green.Spawn(async () =>
            {
                int n = 0;
                await foreach (byte[] m in pipe.Reader.ReadAllAsync())
                {
                    Assert.True(sent[n].AsSpan().SequenceEqual(m), $"message {n} differs");
                    n++;
                }

                return n;
            });
            foreach (byte[] m in sent)
            {
                await pipe.Writer.PutAsync(m);
            }

            await pipe.Writer.DisposeAsync();
            Assert.Equal(sent.Count, await reader);
        });
    }

    [Fact]
    public void Messages_put_before_dispose_are_delivered_then_end_of_stream()
    {
        Run(async () =>
        {
            // A 64 KiB pipe and nobody reading yet: most of the 500 KB stays in the writer's buffer.
            GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: GipcOptions.Default with { PipeSize = null });
            for (int i = 0; i < 500; i++)
            {
                await pipe.Writer.PutAsync(new byte[1000]);
            }

            pipe.Writer.Dispose(); // far more than the pipe holds is still pending: it must still arrive
            for (int i = 0; i < 500; i++)
            {
                Assert.Equal(1000, (await pipe.Reader.GetAsync(TimeSpan.FromSeconds(10))).Length);
            }

            await Assert.ThrowsAsync<EndOfStreamException>(() => pipe.Reader.GetAsync().AsTask());
            await Assert.ThrowsAsync<EndOfStreamException>(() => pipe.Reader.GetAsync().AsTask());
            pipe.Dispose();
        });
    }

    [Fact]
    public void Closed_handles_raise_gipc_closed()
    {
        Run(async () =>
        {
            var pipe = Gipc.Pipe<int>(GipcJsonCodec<int>.Instance);
            pipe.Dispose();
            Assert.True(pipe.Reader.IsClosed);
            Assert.True(pipe.Writer.IsClosed);
            await Assert.ThrowsAsync<GipcClosedException>(() => pipe.Reader.GetAsync().AsTask());
            await Assert.ThrowsAsync<GipcClosedException>(() => pipe.Writer.PutAsync(1).AsTask());
        });
    }

    [Fact]
    public void Disposing_a_reader_wakes_its_waiting_greenlet()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>();
            Greenlet<byte[]> waiting = Green.Spawn(async () => await pipe.Reader.GetAsync());
            await Green.Yield();
            pipe.Reader.Dispose();
            await Assert.ThrowsAsync<GipcClosedException>(async () => await waiting);
        });
    }

    [Fact]
    public void Writing_with_no_reader_is_a_broken_pipe_error_not_a_signal()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>();
            pipe.Reader.Dispose();
            // The first put of a turn writes at once, so the broken pipe reaches that very put.
            var e = await Assert.ThrowsAsync<IOException>(() => pipe.Writer.PutAsync(new byte[10]).AsTask());
            Assert.Contains("EPIPE", e.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<IOException>(() => pipe.Writer.FlushAsync().AsTask());
            await Assert.ThrowsAsync<IOException>(() => pipe.Writer.PutAsync(new byte[10]).AsTask());
            await Assert.ThrowsAsync<IOException>(() => pipe.Writer.PutAsync(new byte[1 << 20]).AsTask()); // direct path too
        });
    }

    [Fact]
    public void A_broken_pipe_behind_buffered_frames_surfaces_at_the_next_put_or_flush()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>();
            await pipe.Writer.PutAsync(new byte[10]); // written at once
            await pipe.Writer.PutAsync(new byte[10]); // same turn: buffered for the flusher
            pipe.Reader.Dispose();
            await Assert.ThrowsAsync<IOException>(() => pipe.Writer.FlushAsync().AsTask());
            await Assert.ThrowsAsync<IOException>(() => pipe.Writer.PutAsync(new byte[10]).AsTask());
        });
    }

    [Fact]
    public void Two_concurrent_gets_raise_gipc_locked()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>();
            Greenlet<byte[]> first = Green.Spawn(async () => await pipe.Reader.GetAsync());
            await Green.Yield();
            Assert.Throws<GipcLockedException>(() => pipe.Reader.GetAsync());
            await pipe.Writer.PutAsync([7]);
            Assert.Equal(new byte[] { 7 }, await first);
        });
    }

    [Fact]
    public void Concurrent_puts_from_many_greenlets_never_interleave_a_message()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>(options: SmallPipe);
            // 8 writers, each with messages larger than the pipe and the buffer limit (some go direct)
            Greenlet[] writers = Enumerable.Range(0, 8).Select(w => (Greenlet)Green.Spawn(async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    var m = new byte[(i % 3 == 0 ? 200_000 : 3000) + w];
                    m.AsSpan().Fill((byte)w);
                    await pipe.Writer.PutAsync(m);
                }
            })).ToArray();
            var counts = new int[8];
            for (int i = 0; i < 160; i++)
            {
                byte[] m = await pipe.Reader.GetAsync(TimeSpan.FromSeconds(20));
                int w = m[0];
                Assert.True(m.All(b => b == w), "a message mixes bytes of two writers");
                Assert.Equal(w, m.Length % 1000);
                counts[w]++;
            }

            Assert.All(counts, c => Assert.Equal(20, c));
            await Green.JoinAll(writers, raiseError: true);
        });
    }

    [Fact]
    public void A_get_that_times_out_mid_frame_keeps_the_partial_bytes()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            using var raw = new GreenStream(w, FileAccess.Write);
            byte[] frame = Frame(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());

            await raw.WriteAsync(frame.AsMemory(0, 3)); // part of the header
            await Assert.ThrowsAsync<GreenTimeoutException>(() => reader.GetAsync(TimeSpan.FromMilliseconds(20)).AsTask());
            await raw.WriteAsync(frame.AsMemory(3, 50)); // the rest of the header and half the payload
            using (var cts = new CancellationTokenSource())
            {
                Greenlet<byte[]> cancelled = Green.Spawn(async () => await reader.GetAsync(cancellationToken: cts.Token));
                await Green.Yield();
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
            }

            await raw.WriteAsync(frame.AsMemory(53));
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray(), await reader.GetAsync());
        });
    }

    [Fact]
    public void Gets_that_wait_every_time_see_every_message_in_order()
    {
        // Each get parks, and its completion runs the awaiting loop inline, which starts the next get while the
        // previous one is still completing: the reader alternates between its two reusable operations.
        Run(async () =>
        {
            using GipcPipe<int> pipe = Gipc.Pipe<int>();
            const int n = 2000;
            Greenlet<long> reader = Green.Spawn(async () =>
            {
                long sum = 0;
                for (int i = 0; i < n; i++)
                {
                    int m = await pipe.Reader.GetAsync();
                    Assert.Equal(i, m);
                    sum += m;
                }

                return sum;
            });
            await Green.Yield(); // the reader parks first
            for (int i = 0; i < n; i++)
            {
                await pipe.Writer.PutAsync(i);
                await Green.Yield(); // one message per turn: every get has to wait
            }

            Assert.Equal((long)n * (n - 1) / 2, await reader); // (allocations: bench gipc_rtt, in Release)
        });
    }

    [Fact]
    public void Killing_a_greenlet_parked_in_a_get_leaves_the_reader_usable()
    {
        Run(async () =>
        {
            using GipcPipe<string> pipe = Gipc.Pipe<string>();
            Greenlet<string> getter = Green.Spawn(async () => await pipe.Reader.GetAsync());
            await Green.Yield();
            await getter.KillAsync();
            Assert.True(getter.IsReady && getter.IsSuccessful); // killed (GreenletExit counts as success, as in gevent)
            await pipe.Writer.PutAsync("after");
            Assert.Equal("after", await pipe.Reader.GetAsync(TimeSpan.FromSeconds(5)));
        });
    }

    [Fact]
    public void A_zero_timeout_get_returns_a_frame_that_came_after_the_pipe_was_drained()
    {
        // After a read that emptied the pipe, a get waits for readiness before it reads again (no read that would fail
        // with EAGAIN); a frame that arrived meanwhile must still be found by a get that may not wait at all.
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            using var raw = new GreenStream(w, FileAccess.Write);
            await raw.WriteAsync(Frame([1]));
            Assert.Equal(new byte[] { 1 }, await reader.GetAsync(TimeSpan.Zero)); // drains the pipe
            await Assert.ThrowsAsync<GreenTimeoutException>(() => reader.GetAsync(TimeSpan.Zero).AsTask());
            await raw.WriteAsync(Frame([2]));
            Assert.Equal(new byte[] { 2 }, await reader.GetAsync(TimeSpan.Zero));
            await raw.WriteAsync(Frame([3]));
            raw.Dispose(); // end of stream after that frame
            Assert.Equal(new byte[] { 3 }, await reader.GetAsync(TimeSpan.Zero));
            await Assert.ThrowsAsync<EndOfStreamException>(() => reader.GetAsync(TimeSpan.Zero).AsTask());
        });
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 4093)]
    [InlineData(true, 7)]
    [InlineData(true, 70_001)]
    public void Large_and_small_frames_in_any_split_arrive_whole_including_a_timeout_inside_a_large_one(bool pooled, int piece)
    {
        // A large payload and whatever follows it are read by one readv (payload, then the next header or the
        // buffer): the bytes must land on the right side of that split wherever the writes happen to end.
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var raw = new GreenStream(w, FileAccess.Write);
            var random = new Random(piece);
            int[] sizes = [40_000, 100_000, 3, 0, 65_536, 32_768, 10, 300_000, 1];
            byte[][] payloads = sizes.Select(n => { var b = new byte[n]; random.NextBytes(b); return b; }).ToArray();
            byte[] stream = payloads.SelectMany(Frame).ToArray();

            var got = new List<byte[]>();
            var timedOut = new GreenEvent();
            Greenlet reader = Green.Spawn(async () =>
            {
                if (pooled)
                {
                    using var gr = new GipcReader<GipcBuffer>(r, GipcPooledCodec.Instance, GipcOptions.Default);
                    // The first get times out inside the first (large) payload; the next one continues it.
                    await Assert.ThrowsAsync<GreenTimeoutException>(() => gr.GetAsync(TimeSpan.FromMilliseconds(5)).AsTask());
                    timedOut.Set();
                    for (int i = 0; i < sizes.Length; i++)
                    {
                        using GipcBuffer m = await gr.GetAsync();
                        got.Add(m.Span.ToArray());
                    }
                }
                else
                {
                    using var gr = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
                    await Assert.ThrowsAsync<GreenTimeoutException>(() => gr.GetAsync(TimeSpan.FromMilliseconds(5)).AsTask());
                    timedOut.Set();
                    for (int i = 0; i < sizes.Length; i++)
                    {
                        got.Add(await gr.GetAsync());
                    }
                }
            });

            // Half of the first payload, then nothing until the reader's first get has timed out.
            await raw.WriteAsync(stream.AsMemory(0, 5 + 20_000));
            Assert.True(await timedOut.WaitAsync(TimeSpan.FromSeconds(10)));

            for (int at = 5 + 20_000; at < stream.Length; at += piece)
            {
                await raw.WriteAsync(stream.AsMemory(at, Math.Min(piece, stream.Length - at)));
                await Green.Yield();
            }

            await reader;
            Assert.Equal(sizes.Length, got.Count);
            for (int i = 0; i < sizes.Length; i++)
            {
                Assert.True(payloads[i].AsSpan().SequenceEqual(got[i]), $"message {i} ({sizes[i]} bytes) differs");
            }
        });
    }

    [Fact]
    public void A_corrupt_header_is_a_protocol_error_that_closes_the_handle()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            using var raw = new GreenStream(w, FileAccess.Write);
            await raw.WriteAsync("HTTP/1.1 200 OK\r\n"u8.ToArray());
            var first = await Assert.ThrowsAsync<GipcProtocolException>(() => reader.GetAsync().AsTask());
            Assert.True(reader.IsClosed);

            // Closed is closed (DESIGN §4): later calls raise GipcClosedException, with the protocol error as the cause.
            var later = await Assert.ThrowsAsync<GipcClosedException>(() => reader.GetAsync().AsTask());
            Assert.Same(first, later.InnerException);
            await Assert.ThrowsAsync<GipcClosedException>(() => reader.GetStreamAsync().AsTask());
        });
    }

    [Fact]
    public void An_oversized_frame_is_rejected_without_allocating_it()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default with { MaxFrameSize = 1 << 20 });
            using var raw = new GreenStream(w, FileAccess.Write);
            var header = new byte[5];
            header[0] = 0x47;
            BitConverter.TryWriteBytes(header.AsSpan(1), int.MaxValue);
            await raw.WriteAsync(header);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = await Assert.ThrowsAsync<GipcProtocolException>(() => reader.GetAsync().AsTask());
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the reader allocated for the announced length");
            Assert.Contains("MaxFrameSize", e.Message, StringComparison.Ordinal);
            Assert.True(reader.IsClosed);
        });
    }

    [Fact]
    public void A_peer_closing_mid_frame_is_a_protocol_error_and_at_a_boundary_end_of_stream()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GipcReader<byte[]>(r, GipcRawCodec.Instance, GipcOptions.Default);
            var raw = new GreenStream(w, FileAccess.Write);
            byte[] frame = Frame(new byte[100]);
            await raw.WriteAsync(frame);
            await raw.WriteAsync(frame.AsMemory(0, 40));
            raw.Dispose();
            Assert.Equal(100, (await reader.GetAsync()).Length);
            var e = await Assert.ThrowsAsync<GipcProtocolException>(() => reader.GetAsync().AsTask());
            Assert.Contains("middle of a frame", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_handle_belongs_to_the_hub_of_its_first_use_and_refuses_other_threads()
    {
        using GipcPipe<int> pipe = Gipc.Pipe<int>();
        Run(async () =>
        {
            await pipe.Writer.PutAsync(1);
            Assert.Equal(1, await pipe.Reader.GetAsync());

            // A thread-pool thread (where ConfigureAwait(false) lands) and another hub's thread are refused.
            var pool = await Task.Run(() => Assert.Throws<InvalidOperationException>(() => pipe.Writer.PutAsync(2)));
            Assert.Contains("ConfigureAwait(false)", pool.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => Task.Run(() => pipe.Reader.GetAsync()).GetAwaiter().GetResult());
            Exception? other = await Green.RunBlocking(() =>
            {
                Exception? seen = null;
                Green.Run(() =>
                {
                    seen = Record.Exception(() => pipe.Writer.PutAsync(3));
                    return Task.CompletedTask;
                });
                return seen;
            });
            Assert.IsType<InvalidOperationException>(other);
        });

        // Once that hub has ended, a later hub on another thread may use them.
        Run(async () =>
        {
            await pipe.Writer.PutAsync(4);
            Assert.Equal(4, await pipe.Reader.GetAsync());
        });
    }

    [Fact]
    public void A_message_over_the_frame_cap_is_refused_at_put()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>(options: GipcOptions.Default with { MaxFrameSize = 1000 });
            await Assert.ThrowsAsync<GipcException>(() => pipe.Writer.PutAsync(new byte[1001]).AsTask());
            await Assert.ThrowsAsync<GipcException>(() => pipe.Writer.PutAsync(new byte[100_000]).AsTask());
            await pipe.Writer.PutAsync(new byte[1000]); // the writer is still usable
            Assert.Equal(1000, (await pipe.Reader.GetAsync()).Length);
        });
    }

    [Fact]
    public void A_put_killed_mid_write_still_delivers_the_whole_message()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>(options: SmallPipe);
            byte[] big = RandomNumberGenerator.GetBytes(4 << 20); // 64 times the pipe: the put waits mid-frame
            Greenlet putter = Green.Spawn(async () => await pipe.Writer.PutAsync(big));
            await Green.Yield();
            Assert.False(putter.IsReady);
            await putter.KillAsync();
            Greenlet next = Green.Spawn(async () => await pipe.Writer.PutAsync([1, 2, 3])); // waits for room behind the rest

            Assert.Equal(big, await pipe.Reader.GetAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(new byte[] { 1, 2, 3 }, await pipe.Reader.GetAsync(TimeSpan.FromSeconds(20)));
            await next;
        });
    }

    [Theory]
    [InlineData("timeout")]
    [InlineData("cancel")]
    public void A_put_timed_out_or_cancelled_mid_write_still_delivers_the_whole_message(string how)
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>(options: SmallPipe);
            byte[] big = RandomNumberGenerator.GetBytes(2 << 20);
            using var cts = new CancellationTokenSource();
            Greenlet putter = Green.Spawn(async () => await pipe.Writer.PutAsync(
                big, how == "timeout" ? TimeSpan.FromMilliseconds(30) : null, how == "cancel" ? cts.Token : default));
            await Green.Yield(); // the put has written what the pipe holds and waits for room mid-frame
            Assert.False(putter.IsReady);
            if (how == "cancel")
            {
                cts.Cancel();
            }

            Assert.False(await putter.JoinAsync(TimeSpan.FromSeconds(20)) && putter.IsSuccessful, "the put should have been interrupted");
            Assert.True(putter.Exception is GreenTimeoutException || putter.IsCanceled, putter.ToString());
            Greenlet next = Green.Spawn(async () => await pipe.Writer.PutAsync([9]));
            Assert.Equal(big, await pipe.Reader.GetAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(new byte[] { 9 }, await pipe.Reader.GetAsync(TimeSpan.FromSeconds(20)));
            await next;
        });
    }

    [Fact]
    public void A_put_that_times_out_waiting_for_room_sends_nothing()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>(options: SmallPipe);
            // Fill the pipe and the writer's buffer (nobody reads yet).
            int accepted = 0;
            while (true)
            {
                try
                {
                    await pipe.Writer.PutAsync(new byte[8 << 10], TimeSpan.FromMilliseconds(50));
                    accepted++;
                }
                catch (GreenTimeoutException)
                {
                    break;
                }
            }

            using var cts = new CancellationTokenSource();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipe.Writer.PutAsync(new byte[8 << 10], cancellationToken: cts.Token).AsTask());
            pipe.Writer.Dispose(); // what was accepted is still written, in the background, while we read
            int received = 0;
            await foreach (byte[] m in pipe.Reader.ReadAllAsync())
            {
                Assert.Equal(8 << 10, m.Length);
                received++;
            }

            Assert.Equal(accepted, received);
        });
    }

    [Fact]
    public void A_64_MiB_message_round_trips()
    {
        Run(async () =>
        {
            using var pipe = Gipc.Pipe<byte[]>();
            byte[] big = RandomNumberGenerator.GetBytes(64 << 20);
            Greenlet<byte[]> reader = Green.Spawn(async () => await pipe.Reader.GetAsync());
            await pipe.Writer.PutAsync(big);
            byte[] got = (await reader)!;
            Assert.True(big.AsSpan().SequenceEqual(got));
        });
    }

    [Fact]
    public void Pooled_buffers_round_trip_small_and_large_messages()
    {
        Run(async () =>
        {
            using GipcPipe<GipcBuffer> pipe = Gipc.Pipe<GipcBuffer>();
            Assert.IsType<GipcPooledCodec>(pipe.Writer.Codec);
            foreach (int size in new[] { 0, 1, 1000, 40_000, 300_000, 3 << 20 })
            {
                using GipcBuffer outgoing = GipcBuffer.Rent(size);
                RandomNumberGenerator.Fill(outgoing.WritableMemory.Span);
                Greenlet<GipcBuffer> get = Green.Spawn(async () => await pipe.Reader.GetAsync());
                await pipe.Writer.PutAsync(outgoing);
                using GipcBuffer incoming = (await get)!;
                Assert.Equal(size, incoming.Length);
                Assert.True(outgoing.Span.SequenceEqual(incoming.Span), $"{size}-byte message differs");
            }

            var wrapped = new GipcBuffer(new byte[] { 1, 2, 3 });
            await pipe.Writer.PutAsync(wrapped);
            using GipcBuffer back = await pipe.Reader.GetAsync();
            Assert.Equal(new byte[] { 1, 2, 3 }, back.Span.ToArray());
            back.Dispose();
            Assert.Throws<ObjectDisposedException>(() => back.Memory);
        });
    }

    [Fact]
    public void Duplex_ends_talk_both_ways_and_see_the_peer_close()
    {
        Run(async () =>
        {
            (GipcDuplex<string> a, GipcDuplex<string> b) = Gipc.DuplexPipe<string>(GipcJsonCodec<string>.Instance);
            using (a)
            using (b)
            {
                Greenlet echo = Green.Spawn(async () =>
                {
                    await foreach (string m in b.ReadAllAsync())
                    {
                        await b.PutAsync(m + "!");
                    }

                    b.Dispose();
                });
                for (int i = 0; i < 100; i++)
                {
                    await a.PutAsync($"ping {i}");
                    Assert.Equal($"ping {i}!", await a.GetAsync());
                }

                a.Dispose(); // the echo sees end of stream and closes its end
                await echo;
            }
        });
    }

    [Fact]
    public void Disposing_a_pair_closes_the_writer_before_the_reader()
    {
        Run(async () =>
        {
            var pipe = Gipc.Pipe<byte[]>();
            await pipe.Writer.PutAsync([1]);
            pipe.Dispose();
            Assert.True(pipe.Writer.IsClosed);
            Assert.True(pipe.Reader.IsClosed);
            pipe.Dispose(); // twice is fine
        });
    }

    /// <summary>A frame as the writer produces it (the header layout is part of the wire contract).</summary>
    internal static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = 0x47;
        BitConverter.TryWriteBytes(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}

[Collection(nameof(SerialGipcTests))]
public sealed class PipeTests_Epoll : PipeTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

[Collection(nameof(SerialGipcTests))]
public sealed class PipeTests_Poll : PipeTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}

public sealed class PipeOutsideHubTests
{
    [Fact]
    public void Using_a_handle_outside_a_hub_is_refused_before_anything_is_accepted()
    {
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
        Assert.Throws<InvalidOperationException>(() => pipe.Writer.PutAsync([1]));
    }

    [Fact]
    public void Unsent_frames_nobody_reads_are_reported_when_the_hub_ends_and_the_writer_then_closes_at_once()
    {
        GipcPipe<byte[]> pipe = null!;
        var e = Assert.Throws<GipcUndeliveredException>(() => TestHub.Run(ReactorKind.Epoll, async () =>
        {
            pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null, ExitFlushTimeout = TimeSpan.FromMilliseconds(100) });
            for (int i = 0; i < 200; i++)
            {
                await pipe.Writer.PutAsync(new byte[1000]); // 200 KB: more than the 64 KiB pipe, nobody reads
            }
        }));
        Assert.True(e.UndeliveredBytes > 0);
        pipe.Dispose(); // another thread, the hub is gone: no exception, nothing left open
        Assert.True(pipe.Writer.IsClosed);
        Assert.True(pipe.Reader.IsClosed);
    }
}
