using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>
/// Delivery when a process ends (DESIGN §4 "Delivery"): every message a put accepted reaches the reader, however the
/// writing hub ends (main returns with the writer disposed by <c>using</c>, by <c>await using</c>, or not at all), a
/// frame is never cut by our own shutdown, and a reader that stops reading or closes is reported, never waited for
/// silently. Here the reader runs on a hub of its own thread; <see cref="ExitDeliveryProcessTests"/> does the same
/// across real processes.
/// </summary>
[Collection(nameof(SerialGipcTests))]
public abstract class ExitDeliveryTests : LeakCheckedTest
{
    public enum DisposeBy
    {
        Using,
        AwaitUsing,
        Nothing,
    }

    /// <summary>A message that says which it is: its index in the first 4 bytes, the rest a pattern of it.</summary>
    internal static byte[] Message(int index, int size)
    {
        var m = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(m, index);
        for (int i = 4; i < size; i++)
        {
            m[i] = (byte)(index + i);
        }

        return m;
    }

    /// <summary>Checks the messages are 0..count-1 in order, whole; returns a description of the first fault, or null.</summary>
    internal static string? Verify(IReadOnlyList<byte[]> got, int count, int size)
    {
        if (got.Count != count)
        {
            return $"got {got.Count} of {count} messages";
        }

        for (int i = 0; i < count; i++)
        {
            if (!got[i].AsSpan().SequenceEqual(Message(i, size)))
            {
                return $"message {i} differs";
            }
        }

        return null;
    }

    /// <summary>Reads every message until end of stream on a hub of its own thread; the task ends with them, or the error.</summary>
    private Task<List<byte[]>> ReadOnOtherThread(GipcReader<byte[]> reader)
    {
        var done = new TaskCompletionSource<List<byte[]>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                var got = new List<byte[]>();
                Green.Run(
                    async () =>
                    {
                        await foreach (byte[] m in reader.ReadAllAsync())
                        {
                            got.Add(m);
                        }
                    },
                    new HubOptions { Reactor = Reactor });
                done.SetResult(got);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "reader hub",
        };
        thread.Start();
        return done.Task;
    }

    private static List<byte[]> Await(Task<List<byte[]>> task)
    {
        if (!task.Wait(TestHub.Deadline))
        {
            throw new TimeoutException("The reader did not reach end of stream: messages or the close were lost.");
        }

        return task.Result;
    }

    [Theory]
    [InlineData(DisposeBy.Using, 16)]
    [InlineData(DisposeBy.Using, 4096)]
    [InlineData(DisposeBy.Nothing, 16)]
    [InlineData(DisposeBy.Nothing, 4096)]
    [InlineData(DisposeBy.AwaitUsing, 4096)]
    public void Messages_put_before_main_returns_all_reach_the_reader(DisposeBy dispose, int size)
    {
        const int Count = 1000; // 4 MB at 4 KiB: more than the pipe and the writer's buffer limit hold
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
        Task<List<byte[]>> reading = ReadOnOtherThread(pipe.Reader);
        Run(async () =>
        {
            GipcWriter<byte[]> writer = pipe.Writer;
            for (int i = 0; i < Count; i++)
            {
                await writer.PutAsync(Message(i, size));
            }

            if (dispose == DisposeBy.Using)
            {
                writer.Dispose();
            }
            else if (dispose == DisposeBy.AwaitUsing)
            {
                await writer.DisposeAsync();
            }
        });

        if (dispose == DisposeBy.Nothing)
        {
            pipe.Writer.Dispose(); // after the hub: everything was written at its exit, so this only closes (end of stream)
        }

        Assert.Null(Verify(Await(reading), Count, size));
    }

    [Fact]
    public void A_large_put_cut_off_by_main_ending_is_finished_whole()
    {
        const int Size = 4 << 20; // a direct write: the put writes from the caller's array, the pipe takes 1 MiB at most
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
        Task<List<byte[]>> reading = ReadOnOtherThread(pipe.Reader);
        Run(async () =>
        {
            _ = Green.Spawn(async () => await pipe.Writer.PutAsync(Message(7, Size)), "big put");
            await Green.Yield(); // the put starts writing and parks on the full pipe; main ends under it
        });
        pipe.Writer.Dispose();
        List<byte[]> got = Await(reading);
        Assert.Single(got);
        Assert.True(got[0].AsSpan().SequenceEqual(Message(7, Size)), "the frame was cut or corrupted");
    }

    [Fact]
    public void A_writer_disposed_from_another_thread_closes_on_its_hub_after_sending_everything()
    {
        const int Count = 300;
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
        Task<List<byte[]>> reading = ReadOnOtherThread(pipe.Reader);
        Run(async () =>
        {
            for (int i = 0; i < Count; i++)
            {
                await pipe.Writer.PutAsync(Message(i, 4096));
            }

            await Task.Run(pipe.Writer.Dispose); // a thread-pool thread: the close is posted to this hub
            Assert.True(pipe.Writer.IsClosed);
            Assert.Null(Verify(await Green.RunBlocking(() => Await(reading)), Count, 4096)); // the hub keeps sending meanwhile
        });
    }

    [Fact]
    public void A_reader_that_stops_reading_makes_Run_raise_GipcUndelivered_after_the_exit_timeout()
    {
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { ExitFlushTimeout = TimeSpan.FromMilliseconds(200), PipeSize = null });
        var e = Assert.Throws<GipcUndeliveredException>(() => Run(async () =>
        {
            using GipcWriter<byte[]> writer = pipe.Writer;
            for (int i = 0; i < 100; i++)
            {
                await writer.PutAsync(Message(i, 4096)); // 400 KB; the 64 KiB pipe takes a part, nobody reads
            }
        }));
        Assert.InRange(e.UndeliveredBytes, 1, 100 * (4096 + 5));
        Assert.Contains("ExitFlushTimeout", e.Message, StringComparison.Ordinal);
        Assert.True(pipe.Writer.IsClosed);
    }

    [Fact]
    public void A_reader_gone_with_messages_pending_is_reported_by_Run_when_nothing_else_said_so()
    {
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null });
        var e = Assert.Throws<GipcUndeliveredException>(() => Run(async () =>
        {
            using GipcWriter<byte[]> writer = pipe.Writer;
            for (int i = 0; i < 100; i++)
            {
                await writer.PutAsync(Message(i, 4096));
            }

            pipe.Reader.Dispose();
            await Green.Sleep(TimeSpan.Zero); // the flusher meets the broken pipe in the background
        }));
        Assert.True(e.UndeliveredBytes > 0);
        Assert.IsAssignableFrom<IOException>(e.InnerException);
    }

    [Fact]
    public void DisposeAsync_raises_GipcUndelivered_when_the_reader_closed_with_messages_pending_and_not_otherwise()
    {
        Run(async () =>
        {
            GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null });
            for (int i = 0; i < 100; i++)
            {
                await pipe.Writer.PutAsync(Message(i, 4096));
            }

            pipe.Reader.Dispose();
            var e = await Assert.ThrowsAsync<GipcUndeliveredException>(() => pipe.Writer.DisposeAsync().AsTask());
            Assert.True(e.UndeliveredBytes > 0);
            Assert.True(pipe.Writer.IsClosed);

            // A reader that is gone when nothing is left to deliver is no loss.
            GipcPipe<byte[]> quiet = Gipc.Pipe<byte[]>();
            await quiet.Writer.PutAsync([1]);
            quiet.Reader.Dispose();
            await quiet.Writer.DisposeAsync();
        });
    }

    [Fact]
    public void A_loss_raised_by_a_later_put_is_not_raised_again_at_exit()
    {
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null });
        Run(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await pipe.Writer.PutAsync(Message(i, 4096));
            }

            pipe.Reader.Dispose();
            await Assert.ThrowsAsync<IOException>(() => pipe.Writer.FlushAsync().AsTask()); // the user is told here
        });
        pipe.Writer.Dispose();
    }

    [Fact]
    public void When_main_fails_Run_raises_its_error_and_the_loss_goes_to_the_error_handler()
    {
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { ExitFlushTimeout = TimeSpan.Zero, PipeSize = null });
        Assert.Throws<InvalidOperationException>(() => Run(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await pipe.Writer.PutAsync(Message(i, 4096));
            }

            throw new InvalidOperationException("main failed");
        }));
        Assert.Contains(Reported, r => r.Greenlet is null && r.Error is GipcUndeliveredException);
    }
}

public sealed class ExitDeliveryTests_Epoll : ExitDeliveryTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class ExitDeliveryTests_Poll : ExitDeliveryTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}

/// <summary>
/// Delivery at the end of real processes: a <c>Gipc.StartProcess</c> child whose target returns or throws, and a
/// process whose <c>Green.Run</c> returns just before it exits (a child acting as the parent of a grandchild).
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class ExitDeliveryProcessTests : LeakCheckedTest
{
    private const int Count = 1000;

    protected override ReactorKind Reactor => ReactorKind.Epoll;

    // ---- targets (run in the children) ----

    internal static async Task PutThenReturn(GipcWriter<byte[]> output, int size, ExitDeliveryTests.DisposeBy dispose)
    {
        if (dispose == ExitDeliveryTests.DisposeBy.Using)
        {
            using (output)
            {
                await PutAll(output, size);
            }
        }
        else
        {
            await PutAll(output, size);
        }
    }

    internal static async Task PutThenThrow(GipcWriter<byte[]> output, int size)
    {
        await PutAll(output, size);
        throw new InvalidOperationException("the target failed after its puts");
    }

    /// <summary>Acts as a parent: starts a grandchild that counts what it reads, puts to it, and returns from its hub.</summary>
    internal static async Task ParentThatReturns(GipcWriter<string> report, int size, ExitDeliveryTests.DisposeBy dispose)
    {
        GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
        Gipc.StartProcess(CountAndReport, pipe.Reader, report, size);
        if (dispose == ExitDeliveryTests.DisposeBy.Using)
        {
            using (pipe.Writer)
            {
                await PutAll(pipe.Writer, size);
            }
        }
        else
        {
            await PutAll(pipe.Writer, size);
        }
    }

    internal static async Task CountAndReport(GipcReader<byte[]> input, GipcWriter<string> report, int size)
    {
        var got = new List<byte[]>();
        string result;
        try
        {
            await foreach (byte[] m in input.ReadAllAsync())
            {
                got.Add(m);
            }

            result = ExitDeliveryTests.Verify(got, Count, size) ?? "ok";
        }
        catch (Exception e)
        {
            result = $"after {got.Count} messages: {e.GetType().Name}: {e.Message}";
        }

        await report.PutAsync(result);
    }

    internal static async Task FloodUnreadPipe(GipcWriter<byte[]> output)
    {
        for (int i = 0; i < 100; i++)
        {
            await output.PutAsync(new byte[4096]);
        }
    }

    private static async Task PutAll(GipcWriter<byte[]> output, int size)
    {
        for (int i = 0; i < Count; i++)
        {
            await output.PutAsync(ExitDeliveryTests.Message(i, size));
        }
    }

    private static async Task<List<byte[]>> ReadAll(GipcReader<byte[]> reader)
    {
        var got = new List<byte[]>();
        await foreach (byte[] m in reader.ReadAllAsync())
        {
            got.Add(m);
        }

        return got;
    }

    [Theory]
    [InlineData(ExitDeliveryTests.DisposeBy.Using, 16)]
    [InlineData(ExitDeliveryTests.DisposeBy.Using, 4096)]
    [InlineData(ExitDeliveryTests.DisposeBy.Nothing, 4096)]
    public void A_child_whose_target_returns_delivers_every_message(ExitDeliveryTests.DisposeBy dispose, int size)
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            using GipcProcess child = Gipc.StartProcess(PutThenReturn, pipe.Writer, size, dispose);
            List<byte[]> got = await ReadAll(pipe.Reader);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, child.ExitCode);
            Assert.Null(ExitDeliveryTests.Verify(got, Count, size));
        });
    }

    [Fact]
    public void A_child_whose_target_throws_delivers_every_message_and_exits_with_1()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            using GipcProcess child = Gipc.StartProcess(PutThenThrow, pipe.Writer, 4096);
            List<byte[]> got = await ReadAll(pipe.Reader);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(1, child.ExitCode);
            Assert.Null(ExitDeliveryTests.Verify(got, Count, 4096));
        });
    }

    [Theory]
    [InlineData(ExitDeliveryTests.DisposeBy.Using, 16)]
    [InlineData(ExitDeliveryTests.DisposeBy.Using, 4096)]
    [InlineData(ExitDeliveryTests.DisposeBy.Nothing, 4096)]
    public void A_process_whose_main_returns_right_before_it_exits_delivers_every_message(ExitDeliveryTests.DisposeBy dispose, int size)
    {
        Run(async () =>
        {
            using GipcPipe<string> report = Gipc.Pipe<string>();
            using GipcProcess parent = Gipc.StartProcess(ParentThatReturns, report.Writer, size, dispose);
            Assert.Equal("ok", await report.Reader.GetAsync(TimeSpan.FromSeconds(30)));
            Assert.True(await parent.JoinAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, parent.ExitCode);
        });
    }

    [Fact]
    public void A_child_whose_reader_never_reads_exits_with_1_after_its_exit_flush_timeout()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { ExitFlushTimeout = TimeSpan.FromMilliseconds(300), PipeSize = null });
            using GipcProcess child = Gipc.StartProcess(FloodUnreadPipe, pipe.Writer);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(30))); // no hang: the child gives up and says so
            Assert.Equal(1, child.ExitCode);
            Assert.True(child.Exception!.Is<GipcUndeliveredException>(), child.Exception.ToString());
            Assert.Equal(new byte[4096], await pipe.Reader.GetAsync()); // what was delivered is whole
        });
    }
}
