using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Windows.Tests;

/// <summary>
/// gipc pipes in one process, the same contract on every platform: on Windows overlapped named pipes, the reader waiting
/// with zero-byte reads and the writer's flusher sending through the completion port; on Linux pipe2 and epoll.
/// </summary>
public class GipcPipeContractTests
{
    [Fact]
    public async Task Messages_of_every_size_arrive_whole_and_in_order()
    {
        int[] sizes = [0, 1, 7, 4096, 65535, 65536, 65537, 1 << 20, 4 << 20, 3, 100_000];
        List<byte[]> sent = new();
        foreach (int size in sizes)
        {
            sent.Add(RandomNumberGenerator.GetBytes(size));
        }

        List<byte[]> got = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            Greenlet writer = Green.Spawn(async () =>
            {
                foreach (byte[] m in sent)
                {
                    await pipe.Writer.PutAsync(m);
                }
            });
            var received = new List<byte[]>();
            for (int i = 0; i < sent.Count; i++)
            {
                received.Add(await pipe.Reader.GetAsync());
            }

            await writer;
            return received;
        });
        Assert.Equal(sent.Count, got.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.True(sent[i].AsSpan().SequenceEqual(got[i]), $"message {i} ({sent[i].Length} bytes) differs");
        }
    }

    [Fact]
    public async Task A_64_MiB_message_round_trips()
    {
        byte[] big = RandomNumberGenerator.GetBytes(64 << 20);
        byte[] got = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { MaxFrameSize = 128 << 20 });
            Greenlet writer = Green.Spawn(async () => await pipe.Writer.PutAsync(big));
            byte[] m = await pipe.Reader.GetAsync();
            await writer;
            return m;
        });
        Assert.True(big.AsSpan().SequenceEqual(got));
    }

    [Fact]
    public async Task Ten_thousand_small_messages_keep_their_order()
    {
        long sum = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<int> pipe = Gipc.Pipe<int>();
            Greenlet writer = Green.Spawn(async () =>
            {
                for (int i = 0; i < 10_000; i++)
                {
                    await pipe.Writer.PutAsync(i);
                }
            });
            long total = 0;
            for (int i = 0; i < 10_000; i++)
            {
                int v = await pipe.Reader.GetAsync();
                Assert.Equal(i, v);
                total += v;
            }

            await writer;
            return total;
        });
        Assert.Equal(49_995_000L, sum);
    }

    [Fact]
    public async Task Concurrent_puts_from_many_greenlets_never_interleave_a_message()
    {
        int[] counts = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null, WriteBufferLimit = 64 * 1024 });
            var writers = new Greenlet[8];
            for (int w = 0; w < writers.Length; w++)
            {
                int id = w;
                writers[w] = Green.Spawn(async () =>
                {
                    for (int i = 0; i < 20; i++)
                    {
                        var m = new byte[(i % 3 == 0 ? 200_000 : 3000) + id]; // larger than the pipe and the buffer limit
                        m.AsSpan().Fill((byte)id);
                        await pipe.Writer.PutAsync(m);
                    }
                });
            }

            var seen = new int[8];
            for (int i = 0; i < 160; i++)
            {
                byte[] m = await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30));
                int w = m[0];
                Assert.True(m.AsSpan().IndexOfAnyExcept((byte)w) < 0, "a message mixes bytes of two writers");
                Assert.Equal(w, m.Length % 1000);
                seen[w]++;
            }

            await Green.JoinAll(writers, raiseError: true);
            return seen;
        });
        Assert.All(counts, c => Assert.Equal(20, c));
    }

    [Fact]
    public async Task A_get_that_times_out_or_is_killed_loses_nothing()
    {
        (Type timeout, string after) = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<string> pipe = Gipc.Pipe<string>();
            Exception t = await PrimitiveContractTests.Record(async () => await pipe.Reader.GetAsync(TimeSpan.FromMilliseconds(10)));
            for (int i = 0; i < 10; i++)
            {
                Greenlet parked = Green.Spawn(async () => { await pipe.Reader.GetAsync(); });
                await Green.Sleep(TimeSpan.Zero);
                await parked.KillAsync();
            }

            await pipe.Writer.PutAsync("still here");
            return (t.GetType(), await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30)));
        });
        Assert.Equal(typeof(GreenTimeoutException), timeout);
        Assert.Equal("still here", after);
    }

    [Fact]
    public async Task A_closed_writer_delivers_what_it_accepted_then_end_of_stream()
    {
        (int count, Type end) = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            for (int i = 0; i < 100; i++)
            {
                await pipe.Writer.PutAsync(new byte[10_000]); // 1 MB: more than the pipe holds
            }

            Greenlet closer = Green.Spawn(async () => await pipe.Writer.DisposeAsync());
            int n = 0;
            Exception e;
            while (true)
            {
                try
                {
                    await pipe.Reader.GetAsync();
                    n++;
                }
                catch (Exception x)
                {
                    e = x;
                    break;
                }
            }

            await closer;
            return (n, e.GetType());
        });
        Assert.Equal(100, count);
        Assert.Equal(typeof(EndOfStreamException), end);
    }

    [Fact]
    public async Task Putting_with_no_reader_is_an_IOException_at_a_put_or_flush()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            pipe.Reader.Dispose();
            return await PrimitiveContractTests.Record(async () =>
            {
                await pipe.Writer.PutAsync(new byte[10]);
                await pipe.Writer.FlushAsync();
            });
        });
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public async Task Two_concurrent_gets_raise_GipcLockedException()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<int> pipe = Gipc.Pipe<int>();
            Greenlet first = Green.Spawn(async () => { await pipe.Reader.GetAsync(); });
            await Green.Sleep(TimeSpan.Zero);
            Exception e = await PrimitiveContractTests.Record(async () => await pipe.Reader.GetAsync());
            await pipe.Writer.PutAsync(1);
            await first;
            return e;
        });
        Assert.IsType<GipcLockedException>(error);
    }

    [Fact]
    public async Task Duplex_ends_talk_both_ways()
    {
        int answer = await HubRunner.RunAsync(async () =>
        {
            (GipcDuplex<int> a, GipcDuplex<int> b) = Gipc.DuplexPipe<int>();
            using (a)
            using (b)
            {
                Greenlet server = Green.Spawn(async () =>
                {
                    for (int i = 0; i < 100; i++)
                    {
                        await b.PutAsync(await b.GetAsync() + 1);
                    }
                });
                int v = 0;
                for (int i = 0; i < 100; i++)
                {
                    await a.PutAsync(v);
                    v = await a.GetAsync();
                }

                await server;
                return v;
            }
        });
        Assert.Equal(100, answer);
    }

    [Fact]
    public async Task Messages_cross_between_two_hubs_on_two_threads()
    {
        GipcPipe<int> pipe = Gipc.Pipe<int>();
        try
        {
            Task reader = HubRunner.RunAsync(async () =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    Assert.Equal(i, await pipe.Reader.GetAsync());
                }
            });
            Task writer = HubRunner.RunAsync(async () =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    await pipe.Writer.PutAsync(i);
                }

                await pipe.Writer.FlushAsync();
            });
            await Task.WhenAll(reader, writer);
        }
        finally
        {
            pipe.Dispose();
        }
    }

    [Fact]
    public async Task A_hub_that_ends_right_after_its_puts_still_delivers_them_all()
    {
        GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
        try
        {
            // The writer's hub ends with 2 MB accepted and unsent, its flusher abandoned mid-write: the exit flush sends it.
            Task writer = HubRunner.RunAsync(async () =>
            {
                for (int i = 0; i < 200; i++)
                {
                    await pipe.Writer.PutAsync(new byte[10_000]);
                }
            });
            int got = await HubRunner.RunAsync(async () =>
            {
                int n = 0;
                for (int i = 0; i < 200; i++)
                {
                    n += (await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30))).Length;
                }

                return n;
            });
            await writer;
            Assert.Equal(2_000_000, got);
        }
        finally
        {
            pipe.Dispose();
        }
    }

    [Fact]
    public async Task Unsent_messages_nobody_reads_are_reported_when_the_hub_ends()
    {
        GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null, ExitFlushTimeout = TimeSpan.FromMilliseconds(100) });
        try
        {
            Exception error = await PrimitiveContractTests.Record(() => HubRunner.RunAsync(async () =>
            {
                for (int i = 0; i < 200; i++)
                {
                    await pipe.Writer.PutAsync(new byte[1000]); // 200 KB, more than the pipe holds; nobody reads
                }
            }));
            Assert.True(Assert.IsType<GipcUndeliveredException>(error).UndeliveredBytes > 0);
        }
        finally
        {
            pipe.Dispose();
        }
    }

    [Fact]
    public async Task A_hub_that_ends_with_a_get_parked_returns_and_its_reader_closes_cleanly()
    {
        GipcPipe<int> pipe = Gipc.Pipe<int>();
        try
        {
            await HubRunner.RunAsync(async () =>
            {
                _ = Green.Spawn(async () => await pipe.Reader.GetAsync()); // abandoned, its read in flight, when main ends
                await Green.Sleep(TimeSpan.Zero);
            });

            // A later hub on another thread takes the writer; the reader's handle went to the ended hub's port for good,
            // so the reader is finished with here (disposing it closes the pipe's read end).
            pipe.Reader.Dispose();
            Exception error = await HubRunner.RunAsync(async () =>
                await PrimitiveContractTests.Record(async () =>
                {
                    await pipe.Writer.PutAsync(1);
                    await pipe.Writer.FlushAsync();
                }));
            Assert.IsAssignableFrom<IOException>(error); // the reader is gone: a broken pipe, not a hang
        }
        finally
        {
            pipe.Dispose();
        }
    }

    [Fact]
    public async Task A_hundred_parked_gets_need_no_thread_each()
    {
        (int before, int during) = await HubRunner.RunAsync(async () =>
        {
            int start = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
            var pipes = new GipcPipe<int>[100];
            var gets = new Greenlet<int>[100];
            for (int i = 0; i < pipes.Length; i++)
            {
                GipcPipe<int> p = pipes[i] = Gipc.Pipe<int>();
                gets[i] = Green.Spawn(async () => await p.Reader.GetAsync());
            }

            await Green.Sleep(TimeSpan.FromMilliseconds(20));
            int parked = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
            for (int i = 0; i < pipes.Length; i++)
            {
                await pipes[i].Writer.PutAsync(i);
            }

            for (int i = 0; i < pipes.Length; i++)
            {
                Assert.Equal(i, await gets[i]);
                pipes[i].Dispose();
            }

            return (start, parked);
        });
        Assert.True(during - before < 10, $"threads: {before} before, {during} with 100 parked gets");
    }
}
