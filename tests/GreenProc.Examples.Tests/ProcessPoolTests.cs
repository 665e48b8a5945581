using System;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace GreenProc.ExampleTests;

/// <summary>
/// examples/ProcessPool run as a real process, with its output redirected (so Spectre.Console prints no live bar): the
/// prime count is right (π(2·10⁶) = 148,933, π(2·10⁷) = 1,270,607), every task's answer agrees with the example's own
/// sieve (it exits 1 otherwise), and a worker SIGKILLed halfway is reported as the pool saw it.
/// </summary>
public class ProcessPoolTests
{
    [Theory]
    [InlineData("epoll")]
    [InlineData("poll")]
    public async Task The_demo_counts_the_primes_on_every_worker_and_every_task_agrees_with_the_sieve(string reactor)
    {
        (int code, string stdout, string stderr) = await GreenDemoTests.RunExampleAsync("ProcessPool", reactor, false, "--n", "2000000", "--workers", "2");

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Contains("\nprimes below 2,000,000: 148,933\n", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^1 worker:  32 tasks in \d+\.\d\d s = ", stdout);
        Assert.Matches(@"(?m)^2 workers: 256 tasks in \d+\.\d\d s = ", stdout);
        Assert.Matches(@"(?m)^speed-up:  ", stdout);
        Assert.Contains("\nchecked:   all 288 results agree with a segmented sieve of Eratosthenes\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("killed:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_killed_halfway_fails_only_its_task_which_is_retried_and_the_job_completes()
    {
        // 20 M: tasks of ~15 ms, so the victim (the worker that answered longest ago) is nearly always inside one.
        (int code, string stdout, string stderr) = await GreenDemoTests.RunExampleAsync("ProcessPool", "epoll", false, "--n", "20000000", "--workers", "2", "--kill-a-worker");

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Contains("\nprimes below 20,000,000: 1,270,607\n", stdout, StringComparison.Ordinal);
        Assert.Contains("\nchecked:   all 288 results agree with a segmented sieve of Eratosthenes\n", stdout, StringComparison.Ordinal);

        Match killed = Regex.Match(stdout, @"(?m)^killed:    worker pid (\d+) \(SIGKILL\) after 128 of 256 tasks$");
        Assert.True(killed.Success, stdout);
        string pid = killed.Groups[1].Value;
        Match crash = Regex.Match(stdout, @"(?m)^crash:     task (\d+) failed alone: WorkerCrashedException, pid (\d+), signal 9$");
        if (crash.Success)
        {
            // The usual case: the pool names the task the killed worker ran, and only that one; the example resubmits it.
            Assert.Equal(pid, crash.Groups[2].Value);
            Assert.Single(Regex.Matches(stdout, @"(?m)^crash:"));
            Match retried = Regex.Match(stdout, $@"(?m)^retried:   task {crash.Groups[1].Value} submitted again, done by pid (\d+)$");
            Assert.True(retried.Success, stdout);
            Assert.NotEqual(pid, retried.Groups[1].Value);
            AssertNoWorkerLeft(retried.Groups[1].Value);
        }
        else
        {
            // Killed between two tasks (possible, though rare at this size): no task fails, the pool re-sends what it held.
            Assert.Matches($@"(?m)^crash:     no task failed: pid {pid} was between two tasks$", stdout);
        }

        Assert.Matches(@"(?m)^workers:   \d processes ran tasks", stdout);
        AssertNoWorkerLeft(pid);
    }

    /// <summary>The example disposed its pool (DisposeAsync waits for the workers' exit) before it exited: the pid is
    /// no pool worker any more (gone, or reused by an unrelated process).</summary>
    private static void AssertNoWorkerLeft(string pid)
    {
        string cmdline = $"/proc/{pid}/cmdline";
        string command = "";
        try
        {
            command = File.ReadAllText(cmdline);
        }
        catch (IOException)
        {
            // gone
        }

        Assert.DoesNotContain("GreenProc.Ipc", command, StringComparison.Ordinal);
    }
}
