using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class GreenStreamTests : HubTestBase
{
    [Fact]
    public void Eight_MiB_cross_a_pipe_between_two_greenlets_intact()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            var writer = new GreenStream(w, FileAccess.Write);
            var data = new byte[8 << 20];
            new Random(42).NextBytes(data);
            byte[] expected = SHA256.HashData(data);
            Greenlet producer = Green.Spawn(async () =>
            {
                for (int off = 0; off < data.Length; off += 100_000)
                {
                    await writer.WriteAsync(data.AsMemory(off, Math.Min(100_000, data.Length - off)));
                }

                await writer.DisposeAsync();
            });
            using var received = new MemoryStream();
            await reader.CopyToAsync(received);
            await producer;
            Assert.Equal(expected, SHA256.HashData(received.ToArray()));
        });
    }

    [Fact]
    public void A_StreamReader_read_with_ConfigureAwait_false_stays_on_the_hub()
    {
        // Library code over a GreenStream: StreamReader's own async methods await the stream with ConfigureAwait(false),
        // and the caller awaits them the same way (CliWrap's PipeTarget.ToStringBuilder does). Each line arrives after
        // the reader has started waiting, so every read really waits on the hub.
        var lines = new List<string>();
        Run(async () =>
        {
            int hubThread = Environment.CurrentManagedThreadId;
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            Greenlet producer = Green.Spawn(async () =>
            {
                using var writer = new GreenStream(w, FileAccess.Write);
                for (int i = 0; i < 3; i++)
                {
                    await Green.Yield();
                    await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"line {i}\n"));
                }
            });
            await ReadLines(reader, lines, hubThread);
            await producer;
        });

        Assert.Equal(["line 0 (hub)", "line 1 (hub)", "line 2 (hub)"], lines);

        static async Task ReadLines(Stream stream, List<string> lines, int hubThread)
        {
            using var text = new StreamReader(stream);
            while (await text.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lines.Add(line + (Environment.CurrentManagedThreadId == hubThread ? " (hub)" : " (off the hub)"));
            }
        }
    }

    [Fact]
    public void Read_returns_zero_at_end_of_stream()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            w.Dispose();
            Assert.Equal(0, await reader.ReadAsync(new byte[4]));
        });
    }

    [Fact]
    public void Writing_to_a_pipe_without_reader_raises_EPIPE_and_the_process_survives()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var writer = new GreenStream(w, FileAccess.Write);
            r.Dispose();
            var e = await Assert.ThrowsAsync<NativeIOException>(async () => await writer.WriteAsync(new byte[10]));
            Assert.Equal(32, e.Errno);
            Assert.Contains("EPIPE", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Disposing_the_stream_wakes_a_parked_reader()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (w)
            {
                var reader = new GreenStream(r, FileAccess.Read);
                Greenlet g = Green.Spawn(async () => await reader.ReadAsync(new byte[1]));
                await Green.Yield();
                reader.Dispose();
                await Assert.ThrowsAsync<ObjectDisposedException>(async () => await g);
                await Assert.ThrowsAsync<ObjectDisposedException>(async () => await reader.ReadAsync(new byte[1]));
            }
        });

        Assert.Single(Reported);
    }

    [Fact]
    public void Synchronous_read_and_write_work_and_unsupported_members_say_why()
    {
        Run(() =>
        {
            SafeFdHandle.CreateSocketPair(out SafeFdHandle a, out SafeFdHandle b);
            using var sa = new GreenStream(a, FileAccess.ReadWrite);
            using var sb = new GreenStream(b, FileAccess.ReadWrite);
            sa.Write([1, 2, 3]);
            var buf = new byte[3];
            sb.ReadExactly(buf);
            Assert.Equal([1, 2, 3], buf);
            Assert.True(a.IsNonBlocking());
            Assert.False(sa.CanSeek);
            Assert.True(sa.CanRead && sa.CanWrite);
            Assert.Throws<NotSupportedException>(() => sa.Length);
            Assert.Throws<NotSupportedException>(() => sa.Position);
            Assert.Throws<NotSupportedException>(() => sa.Seek(0, SeekOrigin.Begin));
            return Task.CompletedTask;
        });
    }

    [Fact]
    public void A_stream_enforces_its_access_and_rejects_closed_handles()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            await Assert.ThrowsAsync<NotSupportedException>(async () => await reader.WriteAsync(new byte[1]));
            await Assert.ThrowsAsync<NotSupportedException>(async () => await writer.ReadAsync(new byte[1]));
            Assert.False(reader.CanWrite);
            SafeFdHandle.CreatePipe(out SafeFdHandle r2, out SafeFdHandle w2);
            r2.Dispose();
            w2.Dispose();
            Assert.Throws<ObjectDisposedException>(() => new GreenStream(r2, FileAccess.Read));
            Assert.Throws<ArgumentNullException>(() => new GreenStream(null!, FileAccess.Read));
        });
    }

    [Fact]
    public void Two_greenlets_reading_one_stream_at_once_is_an_error()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            Greenlet<int> first = Green.Spawn(async () => await reader.ReadAsync(new byte[1]), "first");
            await Green.Yield();
            await Assert.ThrowsAsync<ConcurrentObjectUseException>(async () => await reader.ReadAsync(new byte[1]));
            await writer.WriteAsync(new byte[] { 1 });
            Assert.Equal(1, await first);
        });
    }

    [Fact]
    public void A_read_that_is_killed_or_cancelled_leaves_the_stream_usable()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            Greenlet<int> killed = Green.Spawn(async () => await reader.ReadAsync(new byte[1]));
            await Green.Yield();
            await killed.KillAsync();
            Assert.True(killed.Killed);

            using var cts = new System.Threading.CancellationTokenSource();
            Greenlet<int> cancelled = Green.Spawn(async () => await reader.ReadAsync(new byte[1], cts.Token));
            await Green.Yield();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadAsync(new byte[1], cts.Token));

            using (GreenTimeout.Start(TimeSpan.FromMilliseconds(2)))
            {
                await Assert.ThrowsAsync<GreenTimeoutException>(async () => await reader.ReadAsync(new byte[1]));
            }

            await writer.WriteAsync(new byte[] { 9 });
            var buf = new byte[1];
            Assert.Equal(1, await reader.ReadAsync(buf));
            Assert.Equal(9, buf[0]);
        });

        Assert.Empty(Reported); // the cancelled greenlet is canceled, not failed: nothing to report
    }

    [Fact]
    public void A_write_larger_than_the_pipe_completes_once_the_reader_drains_it()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            var data = new byte[w.GetPipeSize() * 4];
            new Random(1).NextBytes(data);
            Greenlet sender = Green.Spawn(async () => await writer.WriteAsync(data));
            var received = new byte[data.Length];
            await reader.ReadExactlyAsync(received);
            await sender;
            Assert.Equal(data, received);
        });
    }

    [Fact]
    public void A_stream_that_does_not_own_its_handle_leaves_it_open()
    {
        Run(() =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                new GreenStream(r, FileAccess.Read, ownsHandle: false).Dispose();
                Assert.False(r.IsClosed);
            }

            return Task.CompletedTask;
        });
    }
}

public sealed class GreenStreamTests_Epoll : GreenStreamTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class GreenStreamTests_Poll : GreenStreamTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
