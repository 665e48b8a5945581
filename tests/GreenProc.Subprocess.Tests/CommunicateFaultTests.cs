using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Ipc.Tests.Fuzz;
using GreenProc.Tests;
using static GreenProc.Subprocess.Tests.ChildHelpers;

namespace GreenProc.Subprocess.Tests;

/// <summary>
/// Issue 17's faults mid-communicate: a child fed random input through <see cref="Popen.CommunicateAsync"/> is
/// SIGKILLed by its <see cref="Popen"/> (<see cref="Popen.Kill"/>), SIGKILLed from outside, or stopped and continued, at
/// a random point, while the communication runs. Each round ends, with the child's exit status and the output it wrote
/// (a prefix of the input; all of it unless killed); never a hang, an exception, or a torn byte. Descriptors and child
/// processes are back to the baseline after the rounds, with no zombie.
/// </summary>
[Collection(nameof(SerialProcessTests))]
public sealed class CommunicateFaultTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Children_killed_or_stopped_at_random_points_mid_communicate_end_each_round_cleanly()
    {
        int seed = FuzzInput.Seed(15);
        var random = new Random(seed);
        int[] outcomes = new int[4];
        int killedMidway = 0;
        TestHub.Run(ReactorKind.Epoll, async () =>
        {
            using (var warm = Popen.Start(["cat"], stdin: Redirect.Pipe, stdout: Redirect.Pipe))
            {
                await warm.CommunicateAsync(new byte[10]);
            }

            // The orphan reaper makes its wake-up pipe the first time any test abandons a child: make it exist now, so
            // that an earlier test's child cannot open it during the count (ProcessHygieneTests does the same).
            Popen.Start(["sleep", "1"]).Dispose();
            string[] pipesBefore = PipesAndSockets();
            string[] childrenBefore = ProcessCensus.Children();
            for (int round = 0; round < FuzzInput.Iterations(16); round++)
            {
                var input = new byte[random.Next(2) == 0 ? random.Next(1 << 20, 16 << 20) : random.Next(0, 256 << 10)];
                random.NextBytes(input);
                int fault = random.Next(4);
                var delay = TimeSpan.FromMilliseconds(random.Next(0, 4)); // where the fault lands, not a synchronisation
                using var cat = Popen.Start(["cat"], stdin: Redirect.Pipe, stdout: Redirect.Pipe, stderr: Redirect.Pipe);
                using var killing = cat.Killing();
                using SafeFdHandle pidfd = new(Interop.PidfdOpen(cat.Pid, 0)); // not reaped before we wait
                Greenlet injector = Green.Spawn(async () =>
                {
                    await Green.Sleep(delay);
                    switch (fault)
                    {
                        case 1:
                            cat.Kill();
                            break;
                        case 2:
                            Interop.PidfdSendSignal(pidfd, 9, 0, 0); // from outside: the Popen does not know
                            break;
                        case 3:
                            Interop.PidfdSendSignal(pidfd, 19, 0, 0); // SIGSTOP
                            await Green.Sleep(delay);
                            Interop.PidfdSendSignal(pidfd, 18, 0, 0); // SIGCONT
                            break;
                    }
                });
                (byte[]? stdout, byte[]? stderr) = await cat.CommunicateAsync(input, TimeSpan.FromSeconds(60));
                await injector;
                string where = $"round {round}, fault {fault}, {input.Length} B (seed {seed})";
                Assert.True(input.AsSpan().StartsWith(stdout), $"the output is not a prefix of the input: {where}");
                Assert.Empty(stderr!);
                if (cat.ReturnCode == -9)
                {
                    Assert.True(fault is 1 or 2, $"killed without a kill: {where}");
                    killedMidway++;
                }
                else
                {
                    Assert.True(cat.ReturnCode == 0, $"exit status {cat.ReturnCode}: {where}");
                    Assert.True(stdout!.Length == input.Length, $"{stdout.Length} B out of {input.Length} B: {where}");
                }

                outcomes[fault]++;
            }

            Assert.Empty(PipesAndSockets().Except(pipesBefore));
            Assert.Empty(ProcessCensus.NewSince(childrenBefore));
        });

        output.WriteLine($"rounds without a fault {outcomes[0]}, Popen.Kill {outcomes[1]}, SIGKILL from outside {outcomes[2]}, " +
            $"stopped and continued {outcomes[3]}; {killedMidway} kills landed mid-communicate");
        Assert.Equal(FuzzInput.Iterations(16), outcomes.Sum());
    }

    /// <summary>The pipes and sockets this process holds, as "fd -> pipe:[inode]" (files the runtime opens lazily, such
    /// as assemblies, are not ours to count).</summary>
    private static string[] PipesAndSockets() => Directory.GetFiles("/proc/self/fd")
        .Select(fd =>
        {
            try
            {
                return $"{Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}";
            }
            catch (IOException)
            {
                return "";
            }
        })
        .Where(e => e.Contains("-> pipe:", StringComparison.Ordinal) || e.Contains("-> socket:", StringComparison.Ordinal))
        .ToArray();
}
