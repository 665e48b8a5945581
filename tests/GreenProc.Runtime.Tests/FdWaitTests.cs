using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class FdWaitTests : HubTestBase
{
    [Fact]
    public void A_reader_parks_until_another_greenlet_writes_the_pipe()
    {
        var log = new List<string>();
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                Greenlet reader = Green.Spawn(async () =>
                {
                    log.Add("wait");
                    await Green.WaitReadAsync(r);
                    log.Add("readable");
                });
                await Green.Sleep(TimeSpan.FromMilliseconds(2));
                log.Add("write");
                SchedulingTests.WriteByte(w);
                await reader;
            }
        });

        Assert.Equal(["wait", "write", "readable"], log);
    }

    [Fact]
    public void A_writer_parks_on_a_full_pipe_until_it_is_drained()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            int size = w.GetPipeSize();
            var fill = new byte[size];
            await writer.WriteAsync(fill); // exactly fills the pipe
            bool writable = false;
            Greenlet g = Green.Spawn(async () =>
            {
                await Green.WaitWriteAsync(w);
                writable = true;
            });
            await Green.Sleep(TimeSpan.FromMilliseconds(5));
            Assert.False(writable);
            await reader.ReadExactlyAsync(new byte[size]);
            await g;
            Assert.True(writable);
        });
    }

    [Fact]
    public void Waits_by_fd_number_work_repeatedly_in_both_directions()
    {
        Run(async () =>
        {
            SafeFdHandle.CreateSocketPair(out SafeFdHandle a, out SafeFdHandle b);
            using (a)
            using (b)
            {
                int fa = a.Fd, fb = b.Fd;
                Greenlet echo = Green.Spawn(async () =>
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        await Green.WaitReadAsync(fb);
                        byte v = ReadByte(fb);
                        await Green.WaitWriteAsync(fb);
                        WriteByte(fb, (byte)(v + 1));
                    }
                });
                for (int i = 0; i < 1000; i++)
                {
                    await Green.WaitWriteAsync(fa);
                    WriteByte(fa, (byte)i);
                    await Green.WaitReadAsync(fa);
                    Assert.Equal((byte)(i + 1), ReadByte(fa));
                }

                await echo;
            }
        });
    }

    [Fact]
    public void A_connected_dotnet_socket_can_be_waited_on_through_its_SafeHandle()
    {
        Run(async () =>
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            listener.Listen();
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            using Socket server = listener.Accept();
            server.Blocking = false;
            Greenlet reader = Green.Spawn(async () =>
            {
                await Green.WaitReadAsync(server.SafeHandle);
                var buf = new byte[16];
                Assert.Equal(5, server.Receive(buf));
            });
            await Green.Yield();
            client.Send("hello"u8.ToArray());
            await reader;
        });
    }

    [Fact]
    public void Two_greenlets_waiting_to_read_one_fd_is_an_error()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                Greenlet first = Green.Spawn(() => Green.WaitReadAsync(r).AsTask(), "first");
                await Green.Yield();
                var e = Assert.Throws<ConcurrentObjectUseException>(() => Green.WaitReadAsync(r));
                Assert.Contains("'first'", e.Message, StringComparison.Ordinal);

                // The other direction is free.
                await Green.WaitWriteAsync(w);
                SchedulingTests.WriteByte(w);
                await first;
            }
        });
    }

    [Fact]
    public void Disposing_the_handle_wakes_the_parked_reader_with_ObjectDisposedException_and_closes_the_fd()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (w)
            {
                int fd = r.Fd;
                Greenlet reader = Green.Spawn(() => Green.WaitReadAsync(r).AsTask(), "reader");
                await Green.Yield();
                r.Dispose();
                var e = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await reader);
                Assert.Contains("'reader'", e.Message, StringComparison.Ordinal);
                Assert.Contains($"fd {fd}", e.Message, StringComparison.Ordinal);
                Assert.True(r.IsClosed);
                Assert.NotEqual(FdTarget(w.Fd), FdTarget(fd)); // closed (or reused by an unrelated file)
            }
        });

        Assert.Single(Reported); // the reader died of it
    }

    [Fact]
    public void CloseFd_wakes_a_waiter_by_fd_number()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            {
                int wfd = (int)w.DangerousGetHandle();
                w.SetHandleAsInvalid(); // ownership moves to the number
                var fill = new byte[r.GetPipeSize()];
                unsafe
                {
                    fixed (byte* p = fill)
                    {
                        Interop.Write(new SafeFdHandle(wfd, ownsHandle: false), p, fill.Length);
                    }
                }

                Greenlet writer = Green.Spawn(() => Green.WaitWriteAsync(wfd).AsTask());
                await Green.Yield();
                Green.CloseFd(wfd);
                await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer);
            }
        });
    }

    [Fact]
    public void Disposing_the_handle_from_another_thread_wakes_the_waiter()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (w)
            {
                Greenlet reader = Green.Spawn(() => Green.WaitReadAsync(r).AsTask(), "reader");
                await Green.Yield();
                await Task.Run(r.Dispose);
                await Assert.ThrowsAsync<ObjectDisposedException>(async () => await reader);
                Assert.True(r.IsClosed);
            }
        });
    }

    [Fact]
    public void Waiting_on_a_closed_handle_or_a_regular_file_fails_clearly()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            r.Dispose();
            w.Dispose();
            Assert.Throws<ObjectDisposedException>(() => Green.WaitReadAsync(r));
            Assert.Throws<ArgumentOutOfRangeException>(() => Green.WaitReadAsync(-3));

            string path = Path.GetTempFileName();
            try
            {
                using FileStream file = File.OpenRead(path);
                if (Reactor == ReactorKind.Epoll)
                {
                    var e = await Assert.ThrowsAsync<NativeIOException>(async () => await Green.WaitReadAsync(file.SafeFileHandle));
                    Assert.Contains("regular files", e.Message, StringComparison.Ordinal);
                }
                else
                {
                    await Green.WaitReadAsync(file.SafeFileHandle); // poll reports regular files ready at once
                }
            }
            finally
            {
                File.Delete(path);
            }
        });
    }

    [Fact]
    public void A_timeout_argument_on_an_fd_wait_raises_and_leaves_the_fd_usable()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                await Assert.ThrowsAsync<GreenTimeoutException>(async () => await Green.WaitReadAsync(r, TimeSpan.FromMilliseconds(5)));
                await Assert.ThrowsAsync<GreenTimeoutException>(async () => await Green.WaitReadAsync(r.Fd, TimeSpan.FromMilliseconds(5)));
                SchedulingTests.WriteByte(w);
                await Green.WaitReadAsync(r, TimeSpan.FromSeconds(5));
            }
        });
    }

    [Fact]
    public void A_cancelled_fd_wait_raises_OperationCanceledException_and_frees_the_fd()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                using var cts = new CancellationTokenSource();
                Greenlet g = Green.Spawn(() => Green.WaitReadAsync(r, null, cts.Token).AsTask());
                await Green.Yield();
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await g);
                SchedulingTests.WriteByte(w);
                await Green.WaitReadAsync(r); // no ConcurrentObjectUseException: the cancelled waiter left
            }
        });

        Assert.Empty(Reported); // the cancelled greenlet is canceled, not failed: nothing to report
    }

    [Fact]
    public void End_of_stream_wakes_the_reader()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            {
                Greenlet reader = Green.Spawn(() => Green.WaitReadAsync(r).AsTask());
                await Green.Yield();
                w.Dispose();
                await reader;
                Assert.Equal(0, ReadAllowingEof(r.Fd));
            }
        });
    }

    [Fact]
    public void A_greenlet_abandoned_on_an_fd_when_main_ends_does_not_keep_the_fd_open()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        int fd = r.Fd;
        string? pipe = FdTarget(fd);
        Run(async () =>
        {
            _ = Green.Spawn(() => Green.WaitReadAsync(r).AsTask(), "abandoned");
            await Green.Yield(); // parked on r when main returns
        });

        r.Dispose();
        w.Dispose();
        Assert.True(r.IsClosed);
        Assert.NotEqual(pipe, FdTarget(fd));
    }

    [Fact]
    public void A_hundred_pipes_are_served_concurrently()
    {
        Run(async () =>
        {
            var pipes = Enumerable.Range(0, 100).Select(_ =>
            {
                SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
                return (r, w);
            }).ToList();
            try
            {
                int woken = 0;
                var readers = pipes.Select(p => Green.Spawn(async () =>
                {
                    await Green.WaitReadAsync(p.r);
                    woken++;
                })).ToList();
                await Green.Yield();
                foreach ((SafeFdHandle _, SafeFdHandle w) in Enumerable.Reverse(pipes))
                {
                    SchedulingTests.WriteByte(w);
                }

                await Green.JoinAll(readers, raiseError: true);
                Assert.Equal(100, woken);
            }
            finally
            {
                foreach ((SafeFdHandle r, SafeFdHandle w) in pipes)
                {
                    r.Dispose();
                    w.Dispose();
                }
            }
        });
    }

    internal static string? FdTarget(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static unsafe byte ReadByte(int fd)
    {
        byte b;
        Assert.Equal(1, (int)Interop.Read(new SafeFdHandle(fd, ownsHandle: false), &b, 1));
        return b;
    }

    private static unsafe int ReadAllowingEof(int fd)
    {
        byte b;
        return (int)Interop.Read(new SafeFdHandle(fd, ownsHandle: false), &b, 1);
    }

    private static unsafe void WriteByte(int fd, byte v) => Assert.Equal(1, (int)Interop.Write(new SafeFdHandle(fd, ownsHandle: false), &v, 1));
}

public sealed class FdWaitTests_Epoll : FdWaitTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class FdWaitTests_Poll : FdWaitTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
