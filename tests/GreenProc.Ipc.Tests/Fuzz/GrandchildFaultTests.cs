using System;
using System.Threading.Tasks;
using GreenProc.Subprocess;

namespace GreenProc.Ipc.Tests.Fuzz;

/// <summary>
/// Issue 17's faults one generation down. A <see cref="Gipc.StartProcess(Delegate, object?[], bool, string?)"/> child
/// runs rounds of a green subprocess (<c>cat</c>, fed random input through <see cref="Popen.CommunicateAsync"/>), and
/// the test SIGKILLs or stops and continues that grandchild at a random point: the child reports each fault as the
/// grandchild's exit status with the output it got (always a prefix of what it wrote), never a hang or a torn round,
/// and carries on. Then the child itself is killed mid-round, and its grandchild does not outlive it.
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class GrandchildFaultTests(Xunit.Abstractions.ITestOutputHelper output) : LeakCheckedTest
{
    protected override ReactorKind Reactor => ReactorKind.Default;

    private static byte[] Input(Random random)
    {
        var input = new byte[random.Next(2) == 0 ? random.Next(1 << 20, 16 << 20) : random.Next(0, 256 << 10)];
        random.NextBytes(input);
        return input;
    }

    /// <summary>
    /// The child: for ever, starts <c>cat</c>, reports its pid, waits for the test's go (so that the test's fault lands
    /// during the communication rather than after it), communicates random input, and reports the round's end as
    /// [exit status, output length, whether the output is a prefix of the input].
    /// </summary>
    internal static async Task CatRounds(GipcWriter<long[]> report, GipcReader<int> go, int seed)
    {
        var random = new Random(seed);
        while (true)
        {
            byte[] input = Input(random);
            using var cat = Popen.Start(["cat"], stdin: Redirect.Pipe, stdout: Redirect.Pipe);
            await report.PutAsync([cat.Pid]);
            await go.GetAsync();
            (byte[]? stdout, _) = await cat.CommunicateAsync(input);
            await report.PutAsync([cat.ReturnCode ?? int.MinValue, stdout!.Length, input.AsSpan().StartsWith(stdout) ? 1 : 0]);
        }
    }

    [Fact]
    public void Grandchildren_killed_or_stopped_at_random_points_mid_communicate_are_reported_and_the_child_goes_on()
    {
        int seed = FuzzInput.Seed(14);
        var random = new Random(seed);
        int killed = 0, stopped = 0, untouched = 0;
        Run(async () =>
        {
            using GipcPipe<long[]> pipe = Gipc.Pipe<long[]>();
            using GipcPipe<int> go = Gipc.Pipe<int>();
            int childSeed = random.Next();
            using GipcProcess child = Gipc.StartProcess(CatRounds, pipe.Writer, go.Reader, childSeed);
            var inputs = new Random(childSeed);
            for (int round = 0; round < FuzzInput.Iterations(16); round++)
            {
                int length = Input(inputs).Length;
                int pid = (int)(await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30)))[0];
                int fault = random.Next(3);
                // Where the fault lands, the shape of the fault and not a synchronisation: 0-3 ms into a large input
                // (several ms through cat), at once for a small one (which cat may well finish in less than 1 ms).
                int delayMs = length > (1 << 20) ? random.Next(0, 4) : 0;
                using (SafeFdHandle grandchild = OpenPidfd(pid))
                {
                    await go.Writer.PutAsync(round);
                    if (fault == 1)
                    {
                        await Green.Sleep(TimeSpan.FromMilliseconds(delayMs));
                        Interop.PidfdSendSignal(grandchild, 9, 0, 0);
                    }
                    else if (fault == 2)
                    {
                        Interop.PidfdSendSignal(grandchild, 19, 0, 0); // SIGSTOP
                        await Green.Sleep(TimeSpan.FromMilliseconds(delayMs));
                        Interop.PidfdSendSignal(grandchild, 18, 0, 0); // SIGCONT
                    }
                }

                long[] end = await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30));
                string where = $"round {round}, fault {fault}, {length} B of input (seed {seed})";
                Assert.True(end[2] == 1, $"the output is not a prefix of the input: {where}");
                if (end[0] == -9)
                {
                    Assert.True(fault == 1, $"killed without a kill: {where}");
                    Assert.True(end[1] <= length);
                    killed++;
                }
                else
                {
                    Assert.True(end[0] == 0, $"exit status {end[0]}: {where}");
                    Assert.True(end[1] == length, $"{end[1]} B out of {length} B: {where}");
                    if (fault == 2)
                    {
                        stopped++;
                    }
                    else
                    {
                        untouched++; // no fault, or a kill that came after cat had ended
                    }
                }
            }

            // The child killed while its grandchild runs: the grandchild's stdin reaches end of file and its stdout has
            // no reader, so it ends too, adopted and reaped by init (not left running).
            int last = (int)(await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30)))[0];
            using SafeFdHandle orphan = OpenPidfd(last);
            await go.Writer.PutAsync(-1);
            await Green.Sleep(TimeSpan.FromMilliseconds(random.Next(0, 4)));
            child.Kill();
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(-9, child.ExitCode);
            await Green.WaitReadAsync(orphan, TimeSpan.FromSeconds(30)); // a pidfd turns readable when its process exits
        });

        output.WriteLine($"{killed} grandchildren killed mid-communicate, {stopped} stopped and continued, {untouched} untouched or killed once done");
        Assert.Equal(FuzzInput.Iterations(16), killed + stopped + untouched);
    }

    /// <summary>A pidfd for <paramref name="pid"/>, a grandchild that waits for our go (so not reaped yet): signals
    /// then reach exactly that process, never a recycled pid.</summary>
    private static SafeFdHandle OpenPidfd(int pid)
    {
        int fd = Interop.PidfdOpen(pid, 0);
        Assert.True(fd >= 0, $"pidfd_open({pid}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return new SafeFdHandle(fd);
    }
}
