using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using GreenProc.Tests;
using static GreenProc.Subprocess.Tests.ChildHelpers;

namespace GreenProc.Subprocess.Tests;

[CollectionDefinition(nameof(SerialProcessTests), DisableParallelization = true)]
public sealed class SerialProcessTests
{
}

/// <summary>
/// What must never leak: fds into children or out of failed spawns, zombies, other code's exit statuses. Counting this
/// process's fds needs no other test running, hence the serial collection.
/// </summary>
[Collection(nameof(SerialProcessTests))]
public sealed class ProcessHygieneTests
{
    private static void Run(Func<Task> main) => TestHub.Run(ReactorKind.Epoll, main);

    private static async Task<int> ReadWithin(GreenStream stream, byte[] buffer)
    {
        using (GreenTimeout.Start(TimeSpan.FromSeconds(20)))
        {
            return await stream.ReadAsync(buffer);
        }
    }

    [Fact]
    public void Failed_starts_repeated_100_times_leak_no_fd()
    {
        Run(async () =>
        {
            // Warm up (lazy /dev/null handle, JIT) so the count compares like with like.
            using (var warm = Popen.Start(["true"], stdin: Redirect.DevNull, stdout: Redirect.Pipe, stderr: Redirect.Pipe))
            {
                await warm.CommunicateAsync();
            }

            Assert.Throws<ProcessStartException>(() => Popen.Start(["/greenproc/missing"], stdin: Redirect.Pipe));

            // The orphan reaper makes its wake-up pipe the first time a child is abandoned unreaped, which an earlier
            // test's child can do at any moment (seen once: two new fds, a pipe, during the loop). Make it exist now.
            Popen.Start(["sleep", "1"]).Dispose();
            int[] before = OpenFds(Environment.ProcessId);
            for (int i = 0; i < 100; i++)
            {
                var byName = Assert.Throws<ProcessStartException>(() => Popen.Start(["greenproc-missing-program"], stdin: Redirect.Pipe, stdout: Redirect.Pipe, stderr: Redirect.Pipe));
                Assert.Equal(2, byName.Errno);

                // A path is not looked up first: this one fails inside posix_spawn, after the pipes were made.
                var byPath = Assert.Throws<ProcessStartException>(() => Popen.Start(["/greenproc/missing"], stdin: Redirect.Pipe, stdout: Redirect.Pipe, stderr: Redirect.Pipe));
                Assert.Equal(2, byPath.Errno);
                Assert.Contains("/greenproc/missing", byPath.Message, StringComparison.Ordinal);
            }

            // No fd that was not open before (background reaping of earlier tests' children may close some meanwhile).
            Assert.Empty(OpenFds(Environment.ProcessId).Except(before));
        });
    }

    [Fact]
    public void Pipes_reopened_for_children_are_closed_here_after_starts_failed_starts_and_refusals()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle read, out SafeFdHandle write, nonBlocking: true);
            SafeFdHandle.CreateSocketPair(out SafeFdHandle socket, out SafeFdHandle peer, nonBlocking: true);
            using (read)
            using (write)
            using (socket)
            using (peer)
            {
                var passed = new Dictionary<int, SafeHandle> { [3] = write };
                using (var warm = Popen.Start(["true"], new PopenOptions { Stdin = Redirect.FromHandle(read), PassFds = passed }))
                {
                    await warm.WaitAsync();
                }

                int[] before = OpenFds(Environment.ProcessId);
                for (int i = 0; i < 50; i++)
                {
                    // Reopened for the child, then closed here once it has them (or the start failed).
                    using (var started = Popen.Start(["true"], new PopenOptions { Stdin = Redirect.FromHandle(read), PassFds = passed }))
                    {
                        await started.WaitAsync();
                    }

                    Assert.Throws<ProcessStartException>(() => Popen.Start(["/greenproc/missing"], new PopenOptions { Stdin = Redirect.FromHandle(read), PassFds = passed }));

                    // Refused after the stdin pipe was reopened: that copy is closed too.
                    Assert.Throws<ArgumentException>(() => Popen.Start(["true"], stdin: Redirect.FromHandle(read), stdout: Redirect.FromHandle(socket)));
                }

                Assert.Empty(OpenFds(Environment.ProcessId).Except(before));
                Assert.True(read.IsNonBlocking());
                Assert.True(write.IsNonBlocking());
            }
        });
    }

    [Fact]
    public void A_child_holds_exactly_stdio_and_the_passed_fds_even_when_this_process_has_inheritable_fds()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle leakyRead, out SafeFdHandle leakyWrite);
            SafeFdHandle.CreatePipe(out SafeFdHandle passRead, out SafeFdHandle passWrite);
            using (leakyRead)
            using (leakyWrite)
            using (passRead)
            using (passWrite)
            {
                // An fd this process "inherited" without close-on-exec: closefrom must keep it out of the child.
                Interop.SetCloseOnExec(leakyWrite.Fd, false);
                Assert.False(Interop.IsCloseOnExec(leakyWrite.Fd));

                using var cat = Popen.Start(["cat"], new PopenOptions
                {
                    Stdin = Redirect.Pipe,
                    Stdout = Redirect.Pipe,
                    PassFds = new Dictionary<int, SafeHandle> { [5] = passWrite },
                });
                // One echo proves cat is past start-up, in its copy loop.
                await cat.Stdin!.WriteAsync("x"u8.ToArray());
                var one = new byte[1];
                Assert.Equal(1, await cat.Stdout!.ReadAsync(one));

                Assert.Equal([0, 1, 2, 5], OpenFds(cat.Pid));
                cat.Stdin.Dispose();
                Assert.Equal(0, await cat.WaitAsync());
            }
        });
    }

    [Fact]
    public void A_pipe_open_while_children_start_still_reaches_end_of_stream()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle read, out SafeFdHandle write);
            using var reader = new GreenStream(read, System.IO.FileAccess.Read);
            using var green = Popen.Start(["sleep", "30"]);
            using var killGreen = green.Killing();
            using var dotnetChild = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
            try
            {
                write.Dispose(); // the only writer: neither child may hold a copy
                using (GreenTimeout.Start(TimeSpan.FromSeconds(10)))
                {
                    Assert.Equal(0, await reader.ReadAsync(new byte[1]));
                }
            }
            finally
            {
                green.Kill();
                dotnetChild.Kill();
                await green.WaitAsync();
                dotnetChild.WaitForExit();
            }
        });
    }

    [Fact]
    public void Greenproc_and_System_Diagnostics_Process_keep_their_own_exit_statuses()
    {
        Run(async () =>
        {
            for (int round = 0; round < 10; round++)
            {
                var dotnetChildren = Enumerable.Range(0, 5).Select(i => Process.Start(new ProcessStartInfo("sh", ["-c", $"exit {10 + i}"]) { UseShellExecute = false })!).ToArray();
                Task<int[]> dotnetCodes = Task.Run(async () =>
                {
                    foreach (Process p in dotnetChildren)
                    {
                        await p.WaitForExitAsync();
                    }

                    return dotnetChildren.Select(p => p.ExitCode).ToArray();
                });
                var greenChildren = Enumerable.Range(0, 5).Select(i => Popen.Start(Sh($"exit {20 + i}"))).ToArray();
                for (int i = 0; i < greenChildren.Length; i++)
                {
                    Assert.Equal(20 + i, await greenChildren[i].WaitAsync());
                    greenChildren[i].Dispose();
                }

                int[] codes = await dotnetCodes.WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Equal(new[] { 10, 11, 12, 13, 14 }, codes);
                foreach (Process p in dotnetChildren)
                {
                    p.Dispose();
                }
            }
        });
    }

    [Fact]
    public void A_disposed_popen_leaves_no_zombie()
    {
        Run(async () =>
        {
            var killed = Popen.Start(["sleep", "30"]);
            killed.Kill();
            killed.Dispose(); // not waited for: the background reaper must take it

            var exitsLater = Popen.Start(Sh("read x"), stdin: Redirect.Pipe);
            exitsLater.Dispose(); // closes stdin, so the child exits after its Popen is gone

            foreach (int pid in new List<int> { killed.Pid, exitsLater.Pid })
            {
                for (int i = 0; !IsGone(pid); i++)
                {
                    if (i == 2000)
                    {
                        Assert.Fail($"pid {pid} still exists (state {State(pid)}) 10 s after its Popen was disposed");
                    }

                    await Green.Sleep(TimeSpan.FromMilliseconds(5));
                }
            }
        });
    }

    [Fact]
    public void A_child_started_with_sigchld_ignored_still_gets_exit_statuses()
    {
        Run(async () =>
        {
            // bash sets SIGCHLD to SIG_IGN (dash does not); exec keeps it: the .NET child starts with children auto-reaped by the kernel.
            using var p = Popen.Start(["bash", "-c", $"trap '' CHLD; exec dotnet '{TestChildDll}' sigchld"], stdout: Redirect.Pipe, stderr: Redirect.Pipe);
            (byte[]? o, byte[]? e) = await p.CommunicateAsync(timeout: TimeSpan.FromSeconds(20));
            Assert.True(p.ReturnCode == 0, Encoding.UTF8.GetString(e!));
            Assert.Equal("7\n", Encoding.ASCII.GetString(o!));
        });
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("owner-async")]
    public void Kill_with_owner_kills_the_child_when_the_owner_is_killed_with_sigkill(string mode)
    {
        Run(async () =>
        {
            using var owner = Popen.Start(Child(mode, "60"), stdin: Redirect.Pipe, stdout: Redirect.Pipe);
            var line = new byte[32];
            int n = await ReadWithin(owner.Stdout!, line);
            int grandchild = int.Parse(Encoding.ASCII.GetString(line, 0, n).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            int fd = Interop.PidfdOpen(grandchild, 0);
            Assert.True(fd >= 0, "the owner's child is running");
            using var pidfd = new SafeFdHandle(fd);
            try
            {
                owner.Kill();
                Assert.Equal(-9, await owner.WaitAsync());
                await Green.WaitReadAsync(pidfd, TimeSpan.FromSeconds(10)); // readable when the grandchild has exited
            }
            finally
            {
                Interop.Kill(grandchild, 9);
            }
        });
    }

    [Fact]
    public void Kill_with_owner_also_fires_when_the_thread_that_started_the_child_exits()
    {
        // PR_SET_PDEATHSIG follows the creating thread: a hub thread that ends takes its KillWithOwner children along.
        // The thread waits for the child's first line, so the death signal is armed before the thread goes.
        int pid = TestHub.Run(ReactorKind.Epoll, async () =>
        {
            var child = Popen.Start(Sh("echo armed; exec sleep 60"), new PopenOptions { KillWithOwner = true, Stdout = Redirect.Pipe });
            var line = new byte[16];
            int n = await child.Stdout!.ReadAsync(line);
            Assert.Equal("armed\n", Encoding.ASCII.GetString(line, 0, n));
            return child.Pid; // not disposed: the hub thread ends with the child still running
        });
        int fd = Interop.PidfdOpen(pid, 0); // works on a zombie too: nobody has reaped it
        Assert.True(fd >= 0);
        using var pidfd = new SafeFdHandle(fd);
        try
        {
            Run(async () => await Green.WaitReadAsync(pidfd, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Interop.Kill(pid, 9);
            Assert.Equal(9, ReapSignal(pid)); // killed by SIGKILL, and no zombie left behind
        }
    }

    private static unsafe int ReapSignal(int pid)
    {
        int status;
        Assert.Equal(pid, Interop.Waitpid(pid, &status, 0));
        return status & 0x7f;
    }

    [Fact]
    public void Without_kill_with_owner_the_child_outlives_a_killed_owner()
    {
        Run(async () =>
        {
            // The control for the test above: the orphan survives unless asked otherwise.
            using var owner = Popen.Start(Sh("sleep 60 & echo $!; exec sleep 60"), stdout: Redirect.Pipe);
            using var killOwner = owner.Killing();
            var line = new byte[32];
            int n = await ReadWithin(owner.Stdout!, line);
            int grandchild = int.Parse(Encoding.ASCII.GetString(line, 0, n).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            int fd = Interop.PidfdOpen(grandchild, 0);
            using var pidfd = new SafeFdHandle(fd);
            try
            {
                owner.Kill();
                await owner.WaitAsync();
                await Assert.ThrowsAsync<GreenTimeoutException>(() => Green.WaitReadAsync(pidfd, TimeSpan.FromMilliseconds(200)).AsTask());
            }
            finally
            {
                Interop.Kill(grandchild, 9);
            }
        });
    }
}
