using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>
/// What gipc's own suite checks across processes, and what it misses: fds held by children, three generations,
/// circular forwarding, fan-in, a child killed mid-stream, a million checksummed messages, daemon children.
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class GipcProcessTests : LeakCheckedTest
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;

    // ---- targets (run in the children) ----

    internal static async Task ReportPipes(GipcReader<int> a, GipcWriter<string[]> report)
    {
        await report.PutAsync(PipeTargets());
        a.Dispose();
    }

    internal static async Task ReportDuplexPipes(GipcDuplex<int> end, GipcWriter<string[]> report)
    {
        await report.PutAsync(PipeTargets());
        await end.PutAsync(await end.GetAsync() + 1); // both directions work in the child
        await end.DisposeAsync();
    }

    internal static async Task Forward(GipcDuplex<int> from, GipcDuplex<int> to)
    {
        await foreach (int m in from.ReadAllAsync())
        {
            await to.PutAsync(m + 1);
        }
    }

    internal static async Task HashArgument(GipcWriter<string> report, byte[] data)
    {
        await report.PutAsync($"{data.Length}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data))}");
        await report.FlushAsync();
    }

    internal static async Task PassOn(GipcWriter<string> results, int generation)
    {
        if (generation < 3)
        {
            using GipcProcess next = Gipc.StartProcess(PassOn, results, generation + 1);
            await next.JoinAsync();
            if (next.ExitCode != 0)
            {
                throw new InvalidOperationException($"generation {generation + 1} exited with {next.ExitCode}");
            }
        }
        else
        {
            await results.PutAsync($"hello from generation {generation}, pid {Environment.ProcessId}");
        }
    }

    internal static async Task Produce(GipcWriter<byte[]> output, int id, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await output.PutAsync(BitConverter.GetBytes(id * 1_000_000 + i));
        }
    }

    internal static async Task Stream(GipcWriter<byte[]> output)
    {
        var chunk = new byte[100_000];
        while (true)
        {
            await output.PutAsync(chunk);
        }
    }

    internal static async Task RandomMessages(GipcWriter<byte[]> output, int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var m = new byte[random.Next(0, random.Next(10) == 0 ? 5000 : 40)];
            random.NextBytes(m);
            await output.PutAsync(m);
        }
    }

    internal static async Task SpawnDaemonAndReport(GipcWriter<int> report)
    {
        GipcProcess daemon = Gipc.StartProcess(SleepForever, daemon: true);
        await report.PutAsync(daemon.Pid);
        await report.FlushAsync();
        await WaitForever(); // until the test kills this process
    }

    internal static Task SleepForever() => WaitForever();

    /// <summary>
    /// Parks on a pipe of our own whose writer stays open: nothing ever arrives, and the hub (which sees a watched fd)
    /// does not call it a deadlock. The process ends only when it is killed.
    /// </summary>
    private static async Task WaitForever()
    {
        using GipcPipe<int> never = Gipc.Pipe<int>();
        await never.Reader.GetAsync();
    }

    internal static void Nothing()
    {
    }

    // ---- tests ----

    [Fact]
    public void A_child_holds_exactly_the_handles_it_was_given()
    {
        Run(async () =>
        {
            using GipcPipe<int> given = Gipc.Pipe<int>();
            using GipcPipe<string[]> report = Gipc.Pipe<string[]>();
            using GipcPipe<int> notGiven = Gipc.Pipe<int>();
            (GipcDuplex<int> x, GipcDuplex<int> y) = Gipc.DuplexPipe<int>();
            using (x)
            using (y)
            {
                string Link(SafeFdHandle h) => new FileInfo($"/proc/self/fd/{h.Fd}").LinkTarget!;
                string givenPipe = Link(((Internal.IGipcHandle)given.Reader).Handle);
                string reportPipe = Link(((Internal.IGipcHandle)report.Writer).Handle);
                var mine = new[] { Link(((Internal.IGipcHandle)notGiven.Reader).Handle), Link(((Internal.IGipcHandle)x).Handle), Link(((Internal.IGipcHandle)y).Handle) };

                using GipcProcess child = Gipc.StartProcess(ReportPipes, given.Reader, report.Writer);
                string[] seen = await report.Reader.GetAsync(TimeSpan.FromSeconds(20));
                Assert.Contains(givenPipe, seen);
                Assert.Contains(reportPipe, seen);
                Assert.Empty(seen.Intersect(mine)); // nothing this process did not pass
                Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
            }
        });
    }

    [Fact]
    public void A_duplex_end_reaches_a_child_as_its_two_pipes_and_works_both_ways()
    {
        Run(async () =>
        {
            using GipcPipe<string[]> report = Gipc.Pipe<string[]>();
            (GipcDuplex<int> mine, GipcDuplex<int> theirs) = Gipc.DuplexPipe<int>();
            using (mine)
            {
                string Link(SafeFdHandle h) => new FileInfo($"/proc/self/fd/{h.Fd}").LinkTarget!;
                var transferable = (Internal.ITransferableHandle)theirs;
                string[] theirPipes = [Link(transferable.Handle), Link(transferable.SecondHandle!)];
                Assert.NotEqual(theirPipes[0], theirPipes[1]);

                using GipcProcess child = Gipc.StartProcess(ReportDuplexPipes, theirs, report.Writer);
                Assert.True(theirs.IsClosed);
                string[] seen = await report.Reader.GetAsync(TimeSpan.FromSeconds(20));
                Assert.Contains(theirPipes[0], seen);
                Assert.Contains(theirPipes[1], seen);
                await mine.PutAsync(41);
                Assert.Equal(42, await mine.GetAsync(TimeSpan.FromSeconds(20)));
                await Assert.ThrowsAsync<EndOfStreamException>(async () => await mine.GetAsync(TimeSpan.FromSeconds(20)));
                Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
                Assert.Equal(0, child.ExitCode);
            }
        });
    }

    [Fact]
    public void An_argument_larger_than_the_bootstrap_pipe_arrives_whole()
    {
        // More than the 1 MiB the bootstrap pipe can be given: the rest is written from a pool thread while the child
        // reads it (FdIO.WriteAll on one side, FdIO.ReadToEnd on the other).
        var data = new byte[(4 << 20) + 13];
        new Random(13).NextBytes(data);
        Run(async () =>
        {
            using GipcPipe<string> report = Gipc.Pipe<string>();
            using GipcProcess child = Gipc.StartProcess(HashArgument, report.Writer, data);
            Assert.Equal($"{data.Length}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data))}", await report.Reader.GetAsync(TimeSpan.FromSeconds(30)));
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, child.ExitCode);
        });
    }

    [Fact]
    public void A_handle_passes_down_three_generations()
    {
        Run(async () =>
        {
            using GipcPipe<string> results = Gipc.Pipe<string>();
            using GipcProcess child = Gipc.StartProcess(PassOn, results.Writer, 1);
            string hello = await results.Reader.GetAsync(TimeSpan.FromSeconds(30));
            Assert.StartsWith("hello from generation 3, pid ", hello, StringComparison.Ordinal);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, child.ExitCode);
            await Assert.ThrowsAsync<EndOfStreamException>(() => results.Reader.GetAsync(TimeSpan.FromSeconds(10)).AsTask());
        });
    }

    [Fact]
    public void Messages_forward_around_a_circle_of_three_duplex_pipes()
    {
        Run(async () =>
        {
            (GipcDuplex<int> a1, GipcDuplex<int> a2) = Gipc.DuplexPipe<int>();
            (GipcDuplex<int> b1, GipcDuplex<int> b2) = Gipc.DuplexPipe<int>();
            (GipcDuplex<int> c1, GipcDuplex<int> c2) = Gipc.DuplexPipe<int>();
            using (a1)
            using (c2)
            {
                using GipcProcess first = Gipc.StartProcess(Forward, a2, b1);
                using GipcProcess second = Gipc.StartProcess(Forward, b2, c1);
                for (int i = 0; i < 100; i++)
                {
                    await a1.PutAsync(i * 10);
                    Assert.Equal(i * 10 + 2, await c2.GetAsync(TimeSpan.FromSeconds(20)));
                }

                a1.Dispose(); // end of stream ripples around: each forwarder ends and closes its ends
                await Assert.ThrowsAsync<EndOfStreamException>(() => c2.GetAsync(TimeSpan.FromSeconds(20)).AsTask());
                Assert.True(await first.JoinAsync(TimeSpan.FromSeconds(20)));
                Assert.True(await second.JoinAsync(TimeSpan.FromSeconds(20)));
            }
        });
    }

    [Fact]
    public void Fan_in_from_eight_children_loses_and_reorders_nothing()
    {
        const int PerChild = 20_000;
        Run(async () =>
        {
            var pipes = Enumerable.Range(0, 8).Select(_ => Gipc.Pipe<byte[]>()).ToList();
            var children = pipes.Select((p, id) => Gipc.StartProcess(Produce, p.Writer, id, PerChild)).ToList();
            var merged = new GreenQueue<int>();
            var readers = pipes.Select(p => Green.Spawn(async () =>
            {
                await foreach (byte[] m in p.Reader.ReadAllAsync())
                {
                    await merged.PutAsync(BitConverter.ToInt32(m));
                }
            })).ToList();
            var next = new int[8];
            for (int n = 0; n < 8 * PerChild; n++)
            {
                int v = await merged.GetAsync(TimeSpan.FromSeconds(30));
                int id = v / 1_000_000;
                Assert.Equal(next[id]++, v % 1_000_000);
            }

            await Green.JoinAll(readers, raiseError: true);
            foreach (GipcProcess c in children)
            {
                Assert.True(await c.JoinAsync(TimeSpan.FromSeconds(20)));
                Assert.Equal(0, c.ExitCode);
                c.Dispose();
            }

            pipes.ForEach(p => p.Dispose());
        });
    }

    [Fact]
    public void A_child_killed_mid_stream_ends_the_parents_get_at_once()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            using GipcProcess child = Gipc.StartProcess(Stream, pipe.Writer);
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(100_000, (await pipe.Reader.GetAsync(TimeSpan.FromSeconds(20))).Length);
            }

            child.Kill();

            // A get that hung would end in its own timeout: a GreenTimeoutException, which the type check below refuses
            // (no wall-clock assertion: it would depend on the machine's speed).
            Exception e = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                while (true)
                {
                    await pipe.Reader.GetAsync(TimeSpan.FromSeconds(10)); // drains what was in the pipe, then fails
                }
            });
            Assert.True(e is EndOfStreamException or GipcProtocolException, e.ToString());
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(-9, child.ExitCode);
        });
    }

    [Fact]
    public void A_million_messages_of_random_sizes_arrive_intact_and_in_order()
    {
        const int Count = 1_000_000;
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            using GipcProcess child = Gipc.StartProcess(RandomMessages, pipe.Writer, Count, 1234);
            var expected = new Random(1234);
            int n = 0;
            await foreach (byte[] m in pipe.Reader.ReadAllAsync())
            {
                var e = new byte[expected.Next(0, expected.Next(10) == 0 ? 5000 : 40)];
                expected.NextBytes(e);
                if (!e.AsSpan().SequenceEqual(m))
                {
                    Assert.Fail($"message {n} differs ({m.Length} bytes, expected {e.Length})");
                }

                n++;
            }

            Assert.Equal(Count, n);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, child.ExitCode);
        });
    }

    [Fact]
    public void A_daemon_child_dies_when_its_parent_is_killed_with_sigkill()
    {
        Run(async () =>
        {
            using GipcPipe<int> report = Gipc.Pipe<int>();
            using GipcProcess parent = Gipc.StartProcess(SpawnDaemonAndReport, report.Writer);
            int daemonPid = await report.Reader.GetAsync(TimeSpan.FromSeconds(30));
            int fd = Interop.PidfdOpen(daemonPid, 0);
            Assert.True(fd >= 0, "the daemon runs");
            using var pidfd = new SafeFdHandle(fd);
            try
            {
                parent.Kill();
                Assert.True(await parent.JoinAsync(TimeSpan.FromSeconds(10)));
                await Green.WaitReadAsync(pidfd, TimeSpan.FromSeconds(10)); // readable once the daemon has exited
            }
            finally
            {
                Interop.Kill(daemonPid, 9);
            }
        });
    }

    [Fact]
    public void Children_are_reaped_without_join()
    {
        Run(async () =>
        {
            GipcProcess child = Gipc.StartProcess(Nothing);
            int pid = child.Pid;
            for (int i = 0; File.Exists($"/proc/{pid}/stat"); i++)
            {
                Assert.True(i < 4000, "the child is still there (a zombie?) 20 s later");
                await Green.Sleep(TimeSpan.FromMilliseconds(5));
            }

            Assert.Equal(0, child.ExitCode);
            child.Dispose();
        });
    }

    [Fact]
    public void A_handle_already_given_to_one_child_is_refused_for_another()
    {
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            using GipcProcess child = Gipc.StartProcess(Produce, pipe.Writer, 0, 1);
            Assert.Throws<GipcClosedException>(() => Gipc.StartProcess(Produce, pipe.Writer, 1, 1));
            Assert.Equal(4, (await pipe.Reader.GetAsync(TimeSpan.FromSeconds(20))).Length);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
        });
    }

    [Fact]
    public void Pipes_leave_no_fd_open_once_disposed()
    {
        Run(async () =>
        {
            int[] before = OpenFds();
            for (int i = 0; i < 50; i++)
            {
                using (GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>())
                {
                    await pipe.Writer.PutAsync([1]);
                    await pipe.Reader.GetAsync();
                }

                (GipcDuplex<int> a, GipcDuplex<int> b) = Gipc.DuplexPipe<int>();
                await a.PutAsync(1);
                Assert.Equal(1, await b.GetAsync());
                a.Dispose();
                b.Dispose();
            }

            await Green.Yield(); // flushers that were parked end now
            Assert.Empty(OpenFds().Except(before));
        });
    }

    private static int[] OpenFds() => Directory.GetFiles("/proc/self/fd").Select(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
