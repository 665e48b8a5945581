using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Tests.Fuzz;

/// <summary>
/// Issue 17's fault injection at random points. A child streaming messages of random sizes is SIGKILLed: the parent
/// receives only whole messages, each exactly as sent and in order, then end of stream, or a protocol error (a frame
/// cut by the kill) that closes the handle; never a torn or wrong message, never a hang. The same child stopped and
/// continued loses nothing. Pool workers SIGKILLed mid-task fail only the task each was running. No descriptor and no
/// child process is left (<see cref="LeakCheckedTest"/>).
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class RandomKillTests(Xunit.Abstractions.ITestOutputHelper output) : LeakCheckedTest
{
    protected override ReactorKind Reactor => ReactorKind.Default;

    /// <summary>The child: the messages a <see cref="Random"/> with <paramref name="seed"/> makes, for ever.</summary>
    internal static async Task Stream(GipcWriter<byte[]> output, int seed)
    {
        var random = new Random(seed);
        while (true)
        {
            await output.PutAsync(Next(random));
        }
    }

    private static byte[] Next(Random random)
    {
        var payload = new byte[random.Next(4) == 0 ? random.Next(64 << 10, 512 << 10) : random.Next(0, 4096)];
        random.NextBytes(payload);
        return payload;
    }

    [Fact]
    public void A_child_killed_at_a_random_point_mid_stream_delivers_whole_messages_only()
    {
        int seed = FuzzInput.Seed(10);
        var random = new Random(seed);
        int cut = 0, clean = 0;
        Run(async () =>
        {
            for (int i = 0; i < FuzzInput.Iterations(6); i++)
            {
                using GipcPipe<byte[]> pipe = Gipc.Pipe(GipcRawCodec.Instance);
                int childSeed = random.Next();
                int killAfter = random.Next(0, 40);
                using GipcProcess child = Gipc.StartProcess(Stream, pipe.Writer, childSeed);
                var expected = new Random(childSeed);
                int got = 0;
                try
                {
                    while (true)
                    {
                        if (got == killAfter)
                        {
                            child.Kill(); // the child is somewhere in its loop: between puts, or mid-frame
                        }

                        byte[] message = await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30));
                        Assert.True(message.AsSpan().SequenceEqual(Next(expected)), $"message {got} differs from what was sent (seed {seed}, iteration {i})");
                        got++;
                    }
                }
                catch (EndOfStreamException)
                {
                    clean++;
                }
                catch (GipcProtocolException)
                {
                    Assert.True(pipe.Reader.IsClosed);
                    cut++;
                }

                await child.JoinAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(-9, child.ExitCode);
                Assert.True(got >= killAfter, $"{got} messages before the kill's effect, {killAfter} read before it was sent");
            }
        });

        output.WriteLine($"{cut} streams cut mid-frame (a protocol error), {clean} ended at a frame boundary");
        Assert.Equal(FuzzInput.Iterations(6), cut + clean);
    }

    [Fact]
    public void A_child_stopped_and_continued_at_random_points_delivers_every_message()
    {
        int seed = FuzzInput.Seed(12);
        var random = new Random(seed);
        Run(async () =>
        {
            for (int i = 0; i < FuzzInput.Iterations(4); i++)
            {
                using GipcPipe<byte[]> pipe = Gipc.Pipe(GipcRawCodec.Instance);
                int childSeed = random.Next();
                using GipcProcess child = Gipc.StartProcess(Stream, pipe.Writer, childSeed);
                var expected = new Random(childSeed);
                var stops = new SortedSet<int>(Enumerable.Range(0, 3).Select(_ => random.Next(0, 30)));
                for (int got = 0; got < 30; got++)
                {
                    if (stops.Contains(got))
                    {
                        Assert.Equal(0, Interop.Kill(child.Pid, 19)); // SIGSTOP, wherever the child is: mostly mid-put

                        // How long it stays stopped is the fault's shape, not a synchronisation: 0-20 ms.
                        await Green.Sleep(TimeSpan.FromMilliseconds(random.Next(0, 20)));
                        Assert.Equal(0, Interop.Kill(child.Pid, 18)); // SIGCONT
                    }

                    byte[] message = await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30));
                    Assert.True(message.AsSpan().SequenceEqual(Next(expected)), $"message {got} differs from what was sent (seed {seed}, iteration {i})");
                }

                child.Kill();
                await child.JoinAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(-9, child.ExitCode);
            }
        });
    }

    /// <summary>
    /// A pool task: 1-15 ms of work, most of it blocked (on a CPU-bound task two workers would hold both cores of a
    /// small machine, and the test, slow to see each result, would mostly kill idle workers).
    /// </summary>
    internal static (int Pid, long Value) Work(int seed)
    {
        System.Threading.Thread.Sleep(new Random(seed).Next(1, 15));
        return (Environment.ProcessId, Expected(seed));
    }

    private static long Expected(int seed) => ((long)seed * 7919) ^ 0x5DEECE66DL;

    [Fact]
    public async Task Pool_workers_killed_at_random_points_mid_task_fail_only_the_task_each_was_running()
    {
        int seed = FuzzInput.Seed(13);
        var random = new Random(seed);
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
        int crashedTotal = 0, killsTotal = 0;
        for (int i = 0; i < FuzzInput.Iterations(3); i++)
        {
            int[] seeds = Enumerable.Range(0, 40).Select(_ => random.Next()).ToArray();
            var kills = new SortedSet<int>(Enumerable.Range(0, 2).Select(_ => random.Next(0, 30)));
            bool chunked = i % 2 == 1;
            var killed = new HashSet<int>();
            int crashed = 0;

            // Kill the worker that answered the result just taken: it is running a later task, or about to.
            void KillAfter(int index, int pid)
            {
                if (kills.Contains(index) && KillExactly(pid))
                {
                    killed.Add(pid);
                }
            }

            if (!chunked)
            {
                // Four in flight (two per worker), so the worker that answered is busy with the next when killed.
                var tasks = new Task<(int Pid, long Value)>[seeds.Length];
                for (int k = 0; k < tasks.Length; k++)
                {
                    for (int next = k; next < Math.Min(k + 4, tasks.Length); next++)
                    {
                        tasks[next] ??= pool.SubmitAsync(Work, seeds[next]);
                    }

                    try
                    {
                        (int pid, long value) = await tasks[k].WaitAsync(TimeSpan.FromSeconds(60));
                        Assert.Equal(Expected(seeds[k]), value);
                        KillAfter(k, pid);
                    }
                    catch (WorkerCrashedException e)
                    {
                        Assert.Equal(9, e.Signal);
                        Assert.Contains(e.Pid, killed);
                        crashed++;
                    }
                }
            }
            else
            {
                // A map in chunks of 4: a kill fails the task running, the chunk's others go again; the map's
                // results before it arrive in order, each right, then the crash ends the map.
                int k = 0;
                try
                {
                    await foreach ((int pid, long value) in pool.Imap(Work, seeds, new ProcessPoolMapOptions { ChunkSize = 4 }).WithCancellation(default))
                    {
                        Assert.Equal(Expected(seeds[k]), value);
                        KillAfter(k, pid);
                        k++;
                    }

                    Assert.Equal(seeds.Length, k);
                }
                catch (WorkerCrashedException e)
                {
                    Assert.Equal(9, e.Signal);
                    Assert.Contains(e.Pid, killed);
                    crashed++;
                }
            }

            Assert.True(crashed <= killed.Count, $"{crashed} tasks failed for {killed.Count} workers killed (seed {seed}, iteration {i})");
            crashedTotal += crashed;
            killsTotal += killed.Count;
            Assert.Equal(Expected(7), (await pool.SubmitAsync(Work, 7).WaitAsync(TimeSpan.FromSeconds(60))).Value); // the pool serves on
        }

        output.WriteLine($"{killsTotal} workers killed, {crashedTotal} tasks failed with them (the others were killed between tasks)");
    }

    /// <summary>SIGKILLs exactly the process <paramref name="pid"/> names now (a pidfd: never a recycled pid).</summary>
    internal static bool KillExactly(int pid)
    {
        int fd = Interop.PidfdOpen(pid, 0);
        if (fd < 0)
        {
            return false; // already reaped
        }

        using var pidfd = new SafeFdHandle(fd);
        return Interop.PidfdSendSignal(pidfd, 9, 0, 0) == 0;
    }
}
