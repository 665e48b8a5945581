using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Windows.Tests;

/// <summary>
/// GreenStream over the pipes <see cref="SafeFdHandle.CreatePipe"/> makes: on Windows overlapped named pipes whose calls
/// the hub's completion port reports; on Linux pipe2 pipes waited on by epoll. The same contract: bytes intact and in
/// order, end of stream, a dead reader, kill/timeout/cancellation/close of a parked call, and nothing lost to them.
/// </summary>
public class PipeStreamTests
{
    [Fact]
    public async Task Sixty_four_MiB_cross_a_pipe_between_two_greenlets_intact()
    {
        const int Total = 64 * 1024 * 1024;
        byte[] data = RandomNumberGenerator.GetBytes(Total);
        (long received, bool equal) = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            var writer = new GreenStream(w, FileAccess.Write);
            Greenlet writing = Green.Spawn(async () =>
            {
                using (writer)
                {
                    // Mixed sizes: larger than the pipe's buffer, and small ones that complete at once.
                    int offset = 0, step = 0;
                    int[] sizes = [1 << 20, 7, 65536, 3 << 20, 100_000];
                    while (offset < Total)
                    {
                        int n = Math.Min(sizes[step++ % sizes.Length], Total - offset);
                        await writer.WriteAsync(data.AsMemory(offset, n));
                        offset += n;
                    }
                }
            });
            byte[] got = new byte[Total + 1]; // one spare byte: the last read must be able to see end of stream
            int at = 0;
            while (true)
            {
                int n = await reader.ReadAsync(got.AsMemory(at, Math.Min(256 * 1024, got.Length - at)));
                if (n == 0)
                {
                    break;
                }

                at += n;
            }

            await writing;
            return ((long)at, got.AsSpan(0, Total).SequenceEqual(data));
        });
        Assert.Equal(Total, received);
        Assert.True(equal);
    }

    [Fact]
    public async Task A_read_returns_zero_at_end_of_stream_every_time()
    {
        (int first, int second, int afterData) = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using (var writer = new GreenStream(w, FileAccess.Write))
            {
                await writer.WriteAsync(new byte[] { 1, 2, 3 });
            }

            var buffer = new byte[16];
            int data = await reader.ReadAsync(buffer);
            int a = await reader.ReadAsync(buffer);
            int b = await reader.ReadAsync(buffer);
            return (a, b, data);
        });
        Assert.Equal(3, afterData);
        Assert.Equal(0, first);
        Assert.Equal(0, second);
    }

    [Fact]
    public async Task A_parked_reader_wakes_with_end_of_stream_when_the_writer_closes()
    {
        int n = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            var writer = new GreenStream(w, FileAccess.Write);
            Greenlet closer = Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(5)); writer.Dispose(); });
            int got = await reader.ReadAsync(new byte[8]);
            await closer;
            return got;
        });
        Assert.Equal(0, n);
    }

    [Fact]
    public async Task Writing_to_a_pipe_whose_reader_is_gone_raises_NativeIOException()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            r.Dispose();
            using var writer = new GreenStream(w, FileAccess.Write);
            return await PrimitiveContractTests.Record(async () => await writer.WriteAsync(new byte[100]));
        });
        Assert.IsType<NativeIOException>(error);
    }

    [Fact]
    public async Task A_write_parked_on_a_full_pipe_wakes_with_an_error_when_the_reader_goes()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var writer = new GreenStream(w, FileAccess.Write);
            var reader = new GreenStream(r, FileAccess.Read);
            Greenlet closer = Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(5)); reader.Dispose(); });
            Exception e = await PrimitiveContractTests.Record(async () => await writer.WriteAsync(new byte[4 << 20]));
            await closer;
            return e;
        });
        Assert.IsType<NativeIOException>(error);
    }

    [Fact]
    public async Task Disposing_the_stream_wakes_a_parked_reader_with_ObjectDisposedException()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var writer = new GreenStream(w, FileAccess.Write);
            var reader = new GreenStream(r, FileAccess.Read);
            Greenlet closer = Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(5)); reader.Dispose(); });
            Exception e = await PrimitiveContractTests.Record(async () => await reader.ReadAsync(new byte[8]));
            await closer;
            return e;
        });
        Assert.IsType<ObjectDisposedException>(error);
    }

    [Fact]
    public async Task A_stream_disposed_from_another_thread_wakes_its_parked_reader()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var writer = new GreenStream(w, FileAccess.Write);
            var reader = new GreenStream(r, FileAccess.Read);
            var parked = Green.Spawn(async () => await PrimitiveContractTests.Record(async () => await reader.ReadAsync(new byte[8])));
            await Green.Sleep(TimeSpan.Zero); // parked in its read
            await Green.RunBlocking(reader.Dispose); // the close is posted to the hub, which cancels the call
            return (await parked)!;
        });
        Assert.IsType<ObjectDisposedException>(error);
    }

    [Fact]
    public async Task A_writer_parked_on_a_full_pipe_wakes_when_its_own_stream_is_disposed()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read); // never read: the write parks
            var writer = new GreenStream(w, FileAccess.Write);
            var parked = Green.Spawn(async () => await PrimitiveContractTests.Record(async () => await writer.WriteAsync(new byte[1 << 20])));
            await Green.Sleep(TimeSpan.Zero);
            writer.Dispose();
            return (await parked)!;
        });
        Assert.IsType<ObjectDisposedException>(error);
    }

    [Fact]
    public async Task A_killed_reader_loses_nothing_and_the_next_read_gets_every_byte()
    {
        byte[] got = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            for (int round = 0; round < 20; round++)
            {
                Greenlet parked = Green.Spawn(async () => { await reader.ReadAsync(new byte[64]); });
                await Green.Sleep(TimeSpan.Zero); // parked in its read
                await parked.KillAsync();
                Assert.True(parked.IsSuccessful); // GreenletExit: killed, not failed
            }

            await writer.WriteAsync(new byte[] { 10, 20, 30 });
            var buffer = new byte[64];
            int n = await reader.ReadAsync(buffer);
            return buffer[..n];
        });
        Assert.Equal(new byte[] { 10, 20, 30 }, got);
    }

    [Fact]
    public async Task A_read_ended_by_a_timeout_or_a_token_leaves_the_stream_usable()
    {
        (Type timeout, Type cancelled, Type preCancelled, int after) = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            var buffer = new byte[16];
            Exception t = await PrimitiveContractTests.Record(async () =>
            {
                using (GreenTimeout.Start(TimeSpan.FromMilliseconds(5)))
                {
                    await reader.ReadAsync(buffer);
                }
            });
            using var cts = new CancellationTokenSource();
            Greenlet canceller = Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(5)); cts.Cancel(); });
            Exception c = await PrimitiveContractTests.Record(async () => await reader.ReadAsync(buffer, cts.Token));
            await canceller;
            Exception p = await PrimitiveContractTests.Record(async () => await reader.ReadAsync(buffer, cts.Token));
            await writer.WriteAsync(new byte[] { 5, 6, 7, 8 });
            int n = await reader.ReadAsync(buffer);
            return (t.GetType(), c.GetType(), p.GetType(), n);
        });
        Assert.Equal(typeof(GreenTimeoutException), timeout);
        Assert.True(typeof(OperationCanceledException).IsAssignableFrom(cancelled));
        Assert.True(typeof(OperationCanceledException).IsAssignableFrom(preCancelled));
        Assert.Equal(4, after);
    }

    [Fact]
    public async Task A_killed_writer_stops_and_the_reader_sees_only_a_prefix_of_what_it_wrote()
    {
        (int read, bool prefix) = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            var writer = new GreenStream(w, FileAccess.Write);
            byte[] data = RandomNumberGenerator.GetBytes(1 << 20); // far more than the pipe holds
            Greenlet writing = Green.Spawn(async () => { await writer.WriteAsync(data); });
            await Green.Sleep(TimeSpan.Zero);
            await writing.KillAsync();
            writer.Dispose();
            using var got = new MemoryStream();
            var buffer = new byte[65536];
            int n;
            while ((n = await reader.ReadAsync(buffer)) > 0)
            {
                got.Write(buffer, 0, n);
            }

            byte[] all = got.ToArray();
            return (all.Length, all.AsSpan().SequenceEqual(data.AsSpan(0, all.Length)));
        });
        // Linux copies what fits into the pipe before the writer parks; a Windows pipe hands the pending write's bytes to
        // the reader as it reads, so a cancelled write may have delivered none: a prefix either way, never all of it.
        Assert.InRange(read, 0, (1 << 20) - 1);
        Assert.True(prefix);
    }

    [Fact]
    public async Task Two_greenlets_reading_one_stream_at_once_is_an_error()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            Greenlet first = Green.Spawn(async () => { await reader.ReadAsync(new byte[4]); });
            await Green.Sleep(TimeSpan.Zero);
            Exception e = await PrimitiveContractTests.Record(async () => await reader.ReadAsync(new byte[4]));
            await writer.WriteAsync(new byte[] { 1 });
            await first;
            return e;
        });
        Assert.IsType<ConcurrentObjectUseException>(error);
    }

    [Fact]
    public async Task Synchronous_reads_and_writes_work_on_the_same_pipe()
    {
        byte[] got = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            writer.Write(new byte[] { 9, 8, 7 });
            var buffer = new byte[8];
            int n = reader.Read(buffer, 0, buffer.Length);
            await writer.WriteAsync(new byte[] { 6 }); // async after sync on the same handle
            int m = await reader.ReadAsync(buffer.AsMemory(n));
            return buffer[..(n + m)];
        });
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, got);
    }

    [Fact]
    public async Task An_empty_read_returns_at_once_and_an_empty_write_does_nothing()
    {
        int n = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            await writer.WriteAsync(ReadOnlyMemory<byte>.Empty);
            return await reader.ReadAsync(Memory<byte>.Empty);
        });
        Assert.Equal(0, n);
    }

    [Fact]
    public async Task A_closed_stream_refuses_reads_and_writes_with_ObjectDisposedException()
    {
        (Exception read, Exception write) = await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            var reader = new GreenStream(r, FileAccess.Read);
            var writer = new GreenStream(w, FileAccess.Write);
            reader.Dispose();
            writer.Dispose();
            return (await PrimitiveContractTests.Record(async () => await reader.ReadAsync(new byte[1])),
                    await PrimitiveContractTests.Record(async () => await writer.WriteAsync(new byte[1])));
        });
        Assert.IsType<ObjectDisposedException>(read);
        Assert.IsType<ObjectDisposedException>(write);
    }

    [Fact]
    public async Task A_hub_that_ends_with_a_greenlet_parked_in_a_read_returns_and_releases_the_handle()
    {
        SafeFdHandle? readEnd = null, writeEnd = null;
        await HubRunner.RunAsync(async () =>
        {
            SafeFdHandle.CreatePipe(out readEnd, out writeEnd);
            var reader = new GreenStream(readEnd, FileAccess.Read, ownsHandle: false);
            _ = Green.Spawn(async () => { await reader.ReadAsync(new byte[8]); });
            await Green.Sleep(TimeSpan.Zero); // main ends with it parked
        });
        // The abandoned call was cancelled and its reference released: the handle closes now.
        readEnd!.Dispose();
        writeEnd!.Dispose();
        Assert.True(readEnd.IsClosed);
    }

    [Fact]
    public async Task A_hundred_parked_reads_need_no_thread_each()
    {
        (int before, int during) = await HubRunner.RunAsync(async () =>
        {
            int start = Process.GetCurrentProcess().Threads.Count;
            var pipes = new (GreenStream Reader, GreenStream Writer)[100];
            var readers = new Greenlet[100];
            for (int i = 0; i < pipes.Length; i++)
            {
                SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
                pipes[i] = (new GreenStream(r, FileAccess.Read), new GreenStream(w, FileAccess.Write));
                GreenStream reader = pipes[i].Reader;
                readers[i] = Green.Spawn(async () => await reader.ReadAsync(new byte[1]));
            }

            await Green.Sleep(TimeSpan.FromMilliseconds(20)); // all parked
            int parked = Process.GetCurrentProcess().Threads.Count;
            for (int i = 0; i < pipes.Length; i++)
            {
                await pipes[i].Writer.WriteAsync(new byte[] { (byte)i });
            }

            await Green.JoinAll(readers);
            foreach ((GreenStream reader, GreenStream writer) in pipes)
            {
                reader.Dispose();
                writer.Dispose();
            }

            return (start, parked);
        });
        Assert.True(during - before < 10, $"threads: {before} before, {during} with 100 parked reads");
    }
}
