using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Subprocess;
using SubprocessApi = GreenProc.Subprocess.Subprocess;

namespace GreenProc.Windows.Tests;

/// <summary>
/// The green subprocess contract on every platform, with this test program as the child: on Windows CreateProcess with
/// an explicit handle list and stdio over named pipes, the exit seen through a thread-pool wait; on Linux posix_spawn.
/// Every child is killed by the test that started it, pass or fail.
/// </summary>
public class PopenContractTests
{
    private static readonly int KilledCode = OperatingSystem.IsWindows() ? 1 : -9;

    [Fact]
    public async Task A_child_s_output_and_exit_code_come_back()
    {
        CompletedProcess done = await HubRunner.RunAsync(() => SubprocessApi.RunAsync(
            ChildProgram.Command("both"), new RunOptions { CaptureOutput = true }));
        Assert.Equal(0, done.ReturnCode);
        Assert.Equal("out\n", done.StdoutText);
        Assert.Equal("err\n", done.StderrText);

        int code = await HubRunner.RunAsync(() => SubprocessApi.CallAsync(ChildProgram.Command("exit", "42")));
        Assert.Equal(42, code);
    }

    [Fact]
    public async Task Arguments_reach_the_child_exactly_spaces_quotes_backslashes_and_empty_ones_included()
    {
        string[] tricky = ["plain", "two words", "", "quote\"inside", "trailing\\", "back\\\\slashes\\\"q", "tab\there", "\\\\server\\share dir\\"];
        string output = await HubRunner.RunAsync(() => SubprocessApi.CheckOutputAsync(ChildProgram.Command("echo-args", tricky)));
        var expected = new StringBuilder();
        foreach (string arg in tricky)
        {
            expected.Append('[').Append(arg).Append("]\n");
        }

        Assert.Equal(expected.ToString(), output);
    }

    [Fact]
    public async Task Four_MiB_go_through_a_child_and_back_without_deadlock()
    {
        byte[] input = RandomNumberGenerator.GetBytes(4 << 20);
        byte[]? output = await HubRunner.RunAsync(async () =>
        {
            using Popen child = Popen.Start(ChildProgram.Command("cat"), stdin: Redirect.Pipe, stdout: Redirect.Pipe);
            (byte[]? stdout, _) = await child.CommunicateAsync(input);
            Assert.Equal(0, await child.WaitAsync());
            return stdout;
        });
        Assert.True(input.AsSpan().SequenceEqual(output));
    }

    [Fact]
    public async Task Stderr_can_join_stdout_and_stdin_can_be_the_null_device()
    {
        (string merged, string fromNull) = await HubRunner.RunAsync(async () =>
        {
            CompletedProcess both = await SubprocessApi.RunAsync(ChildProgram.Command("both"), new RunOptions { Stdout = Redirect.Pipe, Stderr = Redirect.Stdout });
            CompletedProcess cat = await SubprocessApi.RunAsync(ChildProgram.Command("cat"), new RunOptions { Stdin = Redirect.DevNull, Stdout = Redirect.Pipe });
            return (both.StdoutText!, cat.StdoutText!);
        });
        Assert.Equal("out\nerr\n", merged);
        Assert.Equal("", fromNull);
    }

    [Fact]
    public async Task The_child_gets_the_environment_and_directory_it_is_given()
    {
        string dir = Path.GetTempPath();
        (string env, string removed, string cwd) = await HubRunner.RunAsync(async () =>
        {
            string e = await SubprocessApi.CheckOutputAsync(ChildProgram.Command("env", "GREENPROC_TEST_VALUE"),
                new RunOptions { EnvironmentOverrides = new System.Collections.Generic.Dictionary<string, string?> { ["GREENPROC_TEST_VALUE"] = "a b=c" } });
            string r = await SubprocessApi.CheckOutputAsync(ChildProgram.Command("env", "PATH"),
                new RunOptions { EnvironmentOverrides = new System.Collections.Generic.Dictionary<string, string?> { ["PATH"] = null } });
            string c = await SubprocessApi.CheckOutputAsync(ChildProgram.Command("cwd"), new RunOptions { WorkingDirectory = dir });
            return (e, r, c);
        });
        Assert.Equal("a b=c", env);
        Assert.Equal("<unset>", removed);
        Assert.Equal(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar), cwd.TrimEnd(Path.DirectorySeparatorChar), ignoreCase: OperatingSystem.IsWindows());
    }

    [Fact]
    public async Task A_missing_program_or_directory_raises_ProcessStartException()
    {
        Exception missing = await PrimitiveContractTests.Record(() => HubRunner.RunAsync(() =>
            SubprocessApi.CallAsync([Path.Combine(AppContext.BaseDirectory, "no-such-program-here")])));
        Assert.IsType<ProcessStartException>(missing);
        Exception noDir = await PrimitiveContractTests.Record(() => HubRunner.RunAsync(() =>
            SubprocessApi.CallAsync(ChildProgram.Command("exit", "0"), new RunOptions { WorkingDirectory = Path.Combine(AppContext.BaseDirectory, "no-such-dir") })));
        Assert.Contains("does not exist", Assert.IsType<ProcessStartException>(noDir).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wait_times_out_and_the_child_keeps_running_until_killed()
    {
        (Type timeout, bool aliveAfter, int code) = await HubRunner.RunAsync(async () =>
        {
            using Popen child = Popen.Start(ChildProgram.Command("sleep", "600000"));
            try
            {
                Exception e = await PrimitiveContractTests.Record(async () => await child.WaitAsync(TimeSpan.FromMilliseconds(50)));
                bool alive = child.Poll() is null;
                child.Kill();
                return (e.GetType(), alive, await child.WaitAsync(TimeSpan.FromSeconds(30)));
            }
            finally
            {
                child.Kill();
            }
        });
        Assert.Equal(typeof(SubprocessTimeoutException), timeout);
        Assert.True(aliveAfter);
        Assert.Equal(KilledCode, code);
    }

    [Fact]
    public async Task A_communicate_that_times_out_carries_the_output_so_far()
    {
        SubprocessTimeoutException error = await HubRunner.RunAsync(async () =>
        {
            using Popen child = Popen.Start(ChildProgram.Command("print-then-sleep", "partial"), stdout: Redirect.Pipe);
            try
            {
                Exception e = await PrimitiveContractTests.Record(async () => await child.CommunicateAsync(timeout: TimeSpan.FromSeconds(2)));
                return Assert.IsType<SubprocessTimeoutException>(e);
            }
            finally
            {
                child.Kill();
                await child.WaitAsync();
            }
        });
        Assert.Equal("partial", Encoding.UTF8.GetString(error.Stdout!));
    }

    [Fact]
    public async Task A_hundred_children_at_once_need_no_thread_each()
    {
        (int before, int peak, int sum) = await HubRunner.RunAsync(async () =>
        {
            int start = Process.GetCurrentProcess().Threads.Count;
            var children = new Popen[100];
            try
            {
                for (int i = 0; i < children.Length; i++)
                {
                    children[i] = Popen.Start(ChildProgram.Command("cat"), stdin: Redirect.Pipe, stdout: Redirect.Pipe);
                }

                var talks = new Greenlet<int>[children.Length];
                for (int i = 0; i < children.Length; i++)
                {
                    Popen child = children[i];
                    int n = i;
                    talks[i] = Green.Spawn(async () =>
                    {
                        (byte[]? o, _) = await child.CommunicateAsync(new byte[] { (byte)n });
                        await child.WaitAsync();
                        return (int)o![0];
                    });
                }

                await Green.Sleep(TimeSpan.FromMilliseconds(50));
                int during = Process.GetCurrentProcess().Threads.Count;
                int total = 0;
                foreach (Greenlet<int> t in talks)
                {
                    total += await t;
                }

                return (start, during, total);
            }
            finally
            {
                foreach (Popen? child in children)
                {
                    child?.Kill();
                    child?.Dispose();
                }
            }
        });
        Assert.Equal(4950, sum);
        Assert.True(peak - before < 25, $"threads: {before} before, {peak} with 100 children running");
    }

    [Fact]
    public async Task A_tree_kill_ends_the_child_and_its_grandchild()
    {
        int grandchild = await HubRunner.RunAsync(async () =>
        {
            using Popen child = Popen.Start(ChildProgram.Command("spawn-sleeper"), new PopenOptions { Stdout = Redirect.Pipe, NewProcessGroup = true });
            try
            {
                var buffer = new byte[32];
                int n = await child.Stdout!.ReadAsync(buffer);
                int pid = int.Parse(Encoding.ASCII.GetString(buffer, 0, n), System.Globalization.CultureInfo.InvariantCulture);
                child.SendSignalToGroup(9);
                await child.WaitAsync(TimeSpan.FromSeconds(30));
                return pid;
            }
            finally
            {
                child.Kill();
            }
        });
        Assert.True(await Exited(grandchild), $"grandchild {grandchild} still runs after the tree kill");
    }

    [Fact]
    public async Task A_child_started_with_KillWithOwner_dies_with_its_owner()
    {
        int grandchild = await HubRunner.RunAsync(async () =>
        {
            // The owner is a child of ours: it starts the owned sleeper, prints its pid and exits.
            CompletedProcess owner = await SubprocessApi.RunAsync(ChildProgram.Command("spawn-sleeper", "owned"), new RunOptions { Stdout = Redirect.Pipe });
            return int.Parse(owner.StdoutText!, System.Globalization.CultureInfo.InvariantCulture);
        });
        Assert.True(await Exited(grandchild), $"owned grandchild {grandchild} outlived its owner");
    }

    [WindowsFact]
    public async Task A_child_inherits_its_standard_handles_and_nothing_else()
    {
        // An inheritable handle of ours that is not in the child's list: the child's write to that value must fail.
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w, nonBlocking: false);
        using (r)
        using (w)
        {
            nint inheritable = MakeInheritable(w);
            try
            {
                int code = await HubRunner.RunAsync(() => SubprocessApi.CallAsync(ChildProgram.Command("handle", ((long)inheritable).ToString(System.Globalization.CultureInfo.InvariantCulture))));
                Assert.Equal(7, code);
            }
            finally
            {
                CloseHandle(inheritable);
            }
        }
    }

    private static async Task<bool> Exited(int pid)
    {
        try
        {
            using Process p = Process.GetProcessById(pid);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (ArgumentException)
        {
            return true; // already gone
        }
        catch (OperationCanceledException)
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }

            return false;
        }
    }

    private static nint MakeInheritable(SafeFdHandle handle)
    {
        if (!DuplicateHandle(-1, handle.DangerousGetHandle(), -1, out nint copy, 0, true, 2))
        {
            throw new InvalidOperationException("DuplicateHandle failed: " + Marshal.GetLastPInvokeError());
        }

        return copy;
    }

    [DllImport("kernel32.dll", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern bool DuplicateHandle(nint sourceProcess, nint source, nint targetProcess, out nint target, int access, bool inherit, int options);

    [DllImport("kernel32.dll")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern bool CloseHandle(nint handle);
}
