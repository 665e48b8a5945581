using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Tests;

/// <summary>
/// A busy pipe grows from the kernel's 64 KiB to 1 MiB (PipeGrowth, issue 13), within a process-wide budget. One class,
/// so that its tests, which all count against that budget, never run at the same time (nothing else in this assembly
/// makes growing streams).
/// </summary>
public sealed class PipeGrowthTests
{
    private const int DefaultPipeSize = 64 * 1024;

    [Theory]
    [InlineData(ReactorKind.Epoll)]
    [InlineData(ReactorKind.Poll)]
    public void A_writer_that_finds_its_pipe_full_after_a_MiB_grows_it_and_the_data_arrive_intact(ReactorKind reactor)
    {
        long before = PipeGrowth.BudgetUsed;
        TestHub.Run(reactor, async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            var writer = new GreenStream(w, FileAccess.Write);
            writer.GrowWhenBusy();
            (byte[] sent, byte[] received) = await Pump(writer, reader, 4 << 20, readBuffer: 64 * 1024, disposeWriter: false);
            Assert.True(writer.PipeHasGrown);
            Assert.Equal(PipeGrowth.GrownSize, w.GetPipeSize());
            Assert.Equal(before + PipeGrowth.GrownSize, PipeGrowth.BudgetUsed);
            Assert.Equal(SHA256.HashData(sent), SHA256.HashData(received));
            await writer.DisposeAsync();
        });
        Assert.Equal(before, PipeGrowth.BudgetUsed); // disposing the stream gave its share back
    }

    [Fact]
    public void A_grown_pipe_disposed_from_another_thread_and_twice_gives_its_share_back_once()
    {
        long before = PipeGrowth.BudgetUsed;
        TestHub.Run(ReactorKind.Epoll, async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            var writer = new GreenStream(w, FileAccess.Write);
            writer.GrowWhenBusy();
            await Pump(writer, reader, 2 << 20, readBuffer: 64 * 1024, disposeWriter: false);
            Assert.True(writer.PipeHasGrown);
            Assert.Equal(before + PipeGrowth.GrownSize, PipeGrowth.BudgetUsed);
            await Task.Run(writer.Dispose).ConfigureAwait(true);
            writer.Dispose();
            Assert.Equal(before, PipeGrowth.BudgetUsed);
        });
        Assert.Equal(before, PipeGrowth.BudgetUsed);
    }

    [Fact]
    public void A_reader_whose_reads_fill_its_buffer_after_a_MiB_grows_its_pipe()
    {
        TestHub.Run(ReactorKind.Epoll, async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            reader.GrowWhenBusy();
            var writer = new GreenStream(w, FileAccess.Write);
            (byte[] sent, byte[] received) = await Pump(writer, reader, 4 << 20, readBuffer: 64 * 1024, disposeWriter: true);
            Assert.True(reader.PipeHasGrown);
            Assert.Equal(PipeGrowth.GrownSize, r.GetPipeSize());
            Assert.Equal(SHA256.HashData(sent), SHA256.HashData(received));
        });
    }

    [Fact]
    public void A_pipe_that_carries_less_than_a_MiB_or_trickles_keeps_the_default_size()
    {
        TestHub.Run(ReactorKind.Epoll, async () =>
        {
            // Under a MiB: full many times (the reader lags), but too little traffic.
            SafeFdHandle.CreatePipe(out SafeFdHandle r1, out SafeFdHandle w1);
            using var reader1 = new GreenStream(r1, FileAccess.Read);
            var writer1 = new GreenStream(w1, FileAccess.Write);
            writer1.GrowWhenBusy();
            await Pump(writer1, reader1, 900 * 1024, readBuffer: 64 * 1024, disposeWriter: false);
            Assert.False(writer1.PipeHasGrown);
            Assert.Equal(DefaultPipeSize, w1.GetPipeSize());
            await writer1.DisposeAsync();

            // Four MiB read 4 KiB at a time: the reads fill their buffer, but a small buffer is no sign of pressure.
            SafeFdHandle.CreatePipe(out SafeFdHandle r2, out SafeFdHandle w2);
            using var reader2 = new GreenStream(r2, FileAccess.Read);
            reader2.GrowWhenBusy();
            var writer2 = new GreenStream(w2, FileAccess.Write);
            await Pump(writer2, reader2, 4 << 20, readBuffer: 4096, disposeWriter: true);
            Assert.False(reader2.PipeHasGrown);
            Assert.Equal(DefaultPipeSize, r2.GetPipeSize());
        });
    }

    [Fact]
    public void Grown_pipes_stay_within_the_process_budget_and_a_disposed_one_frees_its_share()
    {
        TestHub.Run(ReactorKind.Epoll, async () =>
        {
            int slots = (int)((PipeGrowth.ProcessBudgetBytes - PipeGrowth.BudgetUsed) / PipeGrowth.GrownSize);
            var kept = new List<(GreenStream Reader, GreenStream Writer)>();
            try
            {
                for (int i = 0; i <= slots; i++)
                {
                    kept.Add(await BusyPipe());
                }

                for (int i = 0; i < slots; i++)
                {
                    Assert.True(kept[i].Writer.PipeHasGrown, $"pipe {i} of {slots} within the budget did not grow");
                }

                Assert.False(kept[slots].Writer.PipeHasGrown); // one past the budget
                Assert.Equal(DefaultPipeSize, kept[slots].Writer.Handle.GetPipeSize());
                Assert.Equal(PipeGrowth.ProcessBudgetBytes, PipeGrowth.BudgetUsed);

                await kept[0].Writer.DisposeAsync();
                kept[0].Reader.Dispose();
                kept.Add(await BusyPipe());
                Assert.True(kept[^1].Writer.PipeHasGrown); // the freed share went to the next busy pipe
            }
            finally
            {
                foreach ((GreenStream reader, GreenStream writer) in kept)
                {
                    await writer.DisposeAsync();
                    reader.Dispose();
                }
            }
        });
    }

    /// <summary>A pipe whose growing writer has carried 2 MiB to a lagging reader; both ends stay open.</summary>
    private static async Task<(GreenStream Reader, GreenStream Writer)> BusyPipe()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        var reader = new GreenStream(r, FileAccess.Read);
        var writer = new GreenStream(w, FileAccess.Write);
        writer.GrowWhenBusy();
        await Pump(writer, reader, 2 << 20, readBuffer: 64 * 1024, disposeWriter: false);
        return (reader, writer);
    }

    /// <summary>Writes <paramref name="total"/> random bytes in 256 KiB writes from one greenlet while this one reads
    /// them with a buffer of <paramref name="readBuffer"/>; the writes run ahead, so the pipe is full again and again.</summary>
    private static async Task<(byte[] Sent, byte[] Received)> Pump(GreenStream writer, GreenStream reader, int total, int readBuffer, bool disposeWriter)
    {
        var data = new byte[total];
        new Random(total).NextBytes(data);
        Greenlet producer = Green.Spawn(async () =>
        {
            for (int off = 0; off < total; off += 256 * 1024)
            {
                await writer.WriteAsync(data.AsMemory(off, Math.Min(256 * 1024, total - off)));
            }

            if (disposeWriter)
            {
                await writer.DisposeAsync();
            }
        });
        var received = new byte[total];
        var buffer = new byte[readBuffer];
        int got = 0;
        while (got < total)
        {
            int n = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(readBuffer, total - got)));
            Assert.True(n > 0, $"end of stream after {got} of {total} bytes");
            buffer.AsSpan(0, n).CopyTo(received.AsSpan(got));
            got += n;
        }

        await producer;
        return (data, received);
    }
}
