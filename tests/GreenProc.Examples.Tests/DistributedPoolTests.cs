using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.ExampleTests;

/// <summary>The demo starts six processes and more (silos, their workers); its runs need the CPUs to themselves to keep
/// within their deadline on a 2-CPU machine, so they run after the other tests, one at a time.</summary>
[CollectionDefinition(nameof(DistributedPoolCollection), DisableParallelization = true)]
public sealed class DistributedPoolCollection
{
}

/// <summary>
/// examples/DistributedPool run as a real process, with its output redirected (no live progress line): three silo
/// processes on loopback, the job mapped across their nodes, every result equal to the demo's own sieve (it exits 1
/// otherwise), π(2·10⁷) = 1,270,607; with --kill-a-silo, a non-primary silo SIGKILLed halfway, its node dropped and its
/// tasks answered by the others; and, however the demo ends, no silo or worker process left behind.
/// </summary>
/// <remarks>
/// The demo is run from its own build output (the ProjectReference builds it without copying it here): it brings the
/// Orleans assemblies, whose dependency closure must not be mixed with this project's (Roslyn, for the README test).
/// </remarks>
[Collection(nameof(DistributedPoolCollection))]
public class DistributedPoolTests
{
    private const string Job = "--n 20000000 --tasks 48"; // ~3 s of work on 2 CPUs

    [Fact]
    public async Task The_demo_maps_the_job_across_three_silo_processes_and_every_result_agrees_with_the_sieve()
    {
        (int code, string stdout, string stderr) = await RunDemoAsync(Job);

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Contains("\nprimes below 20,000,000: 1,270,607\n", stdout, StringComparison.Ordinal);
        Assert.Contains("\ntotal:     48 tasks answered, of 48\n", stdout, StringComparison.Ordinal);
        Assert.Contains("\nchecked:   all 48 results agree with a sieve of Eratosthenes run here\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("killed", stdout, StringComparison.Ordinal);

        int[] silos = SiloPids(stdout);
        Assert.Equal(3, silos.Length);
        Assert.DoesNotContain(Environment.ProcessId, silos);
        for (int i = 0; i < 3; i++)
        {
            // Every node took part: the pool sends each chunk to the node with the most free slots.
            Match ran = Regex.Match(stdout, $@"(?m)^silo {i}:    (\d+) tasks?, (\d+) chunks? answered, worker pid (\d+)$");
            Assert.True(ran.Success, stdout);
            Assert.InRange(int.Parse(ran.Groups[1].Value), 1, 48);
            Assert.Equal(ran.Groups[1].Value, ran.Groups[2].Value); // a chunk is one task
        }

        Assert.Matches(@"(?m)^silos:     all 3 stopped and reaped in \d+\.\d\d s \(silo 0: stopped, exit 0; silo 1: stopped, exit 0; silo 2: stopped, exit 0\)$", stdout);
        await AssertGoneAsync(silos.Concat(WorkerPids(stdout)));
    }

    [Fact]
    public async Task A_silo_killed_halfway_is_dropped_and_its_tasks_are_answered_by_the_other_nodes()
    {
        (int code, string stdout, string stderr) = await RunDemoAsync(Job + " --kill-a-silo");

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Contains("\nprimes below 20,000,000: 1,270,607\n", stdout, StringComparison.Ordinal);
        Assert.Contains("\ntotal:     48 tasks answered, of 48\n", stdout, StringComparison.Ordinal);
        Assert.Contains("\nchecked:   all 48 results agree with a sieve of Eratosthenes run here\n", stdout, StringComparison.Ordinal);

        // A non-primary silo, killed after half the results (counted, not timed).
        Match killed = Regex.Match(stdout, @"(?m)^killed:    silo ([12]) \(pid (\d+)\) with SIGKILL after 24 of 48 tasks, (\d+) chunks? in flight there$");
        Assert.True(killed.Success, stdout);
        string victim = killed.Groups[1].Value;
        int victimPid = int.Parse(killed.Groups[2].Value);
        int[] silos = SiloPids(stdout);
        Assert.Equal(victimPid, silos[int.Parse(victim)]);
        Assert.Matches($@"(?m)^silo {victim}:    \d+ tasks?, \d+ chunks? answered, worker pid \d+ \(killed\)$", stdout);

        // The pool's own deadline found the loss (NodeTimeout 2 s), not Orleans' 30 s response timeout.
        Match recovery = Regex.Match(stdout, $@"(?m)^recovery:  the pool dropped silo {victim}'s node (\d+\.\d\d) s after the kill; the \d+ tasks? in flight at the kill were all answered (\d+\.\d\d) s after it$");
        Assert.True(recovery.Success, stdout);
        double dropped = double.Parse(recovery.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double answered = double.Parse(recovery.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(dropped, 1.0, 20.0);
        Assert.InRange(answered, 0.0, 25.0);

        // The node list after: the two survivors, usable; the victim gone from it.
        Match nodes = Regex.Match(stdout, @"(?m)^nodes now: (.+)\n           (.+)$");
        Assert.True(nodes.Success, stdout);
        foreach (string node in new[] { nodes.Groups[1].Value, nodes.Groups[2].Value })
        {
            Assert.Matches(@"^silo [012] \(pid \d+\): usable, 1 worker, 0 in flight, \d+ chunks done$", node);
            Assert.DoesNotContain($"pid {victimPid})", node, StringComparison.Ordinal);
        }

        Assert.Contains($"silo {victim}: SIGKILLed by the demo, exit 137", stdout, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Matches(stdout, "stopped, exit 0").Count);
        await AssertGoneAsync(silos.Concat(WorkerPids(stdout)));
    }

    [Fact]
    public async Task The_silos_and_their_workers_exit_when_the_demo_itself_is_killed()
    {
        using Process demo = StartDemo("--n 100000000 --tasks 48");
        var output = new List<string>();
        int[] silos, workers;
        try
        {
            // Read until the job is about to start: the silos are up and every node has its worker.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                string? line = await demo.StandardOutput.ReadLineAsync(deadline.Token);
                if (line is null)
                {
                    Assert.Fail("the demo ended before its job started:\n" + string.Join("\n", output) + "\n" + await demo.StandardError.ReadToEndAsync());
                }

                output.Add(line);
                if (line.StartsWith("cluster:", StringComparison.Ordinal))
                {
                    break;
                }
            }

            // The silos' workers (the demo's grandchildren): up, since a silo says it is ready once its pool is.
            silos = SiloPids(string.Join("\n", output));
            workers = silos.SelectMany(ChildrenOf).ToArray();
        }
        finally
        {
            demo.Kill(); // SIGKILL: no finally block, no exit handler runs in the demo
            await demo.WaitForExitAsync();
        }

        Assert.Equal(3, silos.Length);
        Assert.True(workers.Length >= 3, $"expected a worker under each silo, found {workers.Length}");
        await AssertGoneAsync(silos.Concat(workers));
    }

    private static int[] SiloPids(string stdout)
        => Regex.Matches(stdout, @"(?m)^silo \d:    pid (\d+), ports").Select(m => int.Parse(m.Groups[1].Value)).ToArray();

    private static IEnumerable<int> WorkerPids(string stdout)
        => Regex.Matches(stdout, @"(?m)^silo \d:    .*, worker pid (\d+)").Select(m => int.Parse(m.Groups[1].Value));

    /// <summary>The demo's own build (examples/DistributedPool/bin/CONFIGURATION/TFM), built before this project by its
    /// ProjectReference.</summary>
    internal static string DemoDll()
    {
        string configuration = typeof(DistributedPoolTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string framework = Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GreenProc.sln")))
            {
                string dll = Path.Combine(dir.FullName, "examples", "DistributedPool", "bin", configuration, framework, "DistributedPool.dll");
                Assert.True(File.Exists(dll), $"{dll} was not built");
                return dll;
            }
        }

        throw new DirectoryNotFoundException("GreenProc.sln not found above " + AppContext.BaseDirectory);
    }

    private static Process StartDemo(string args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DemoDll());
        foreach (string arg in args.Split(' '))
        {
            psi.ArgumentList.Add(arg);
        }

        return Process.Start(psi)!;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunDemoAsync(string args)
    {
        using Process demo = StartDemo(args);
        Task<string> stdout = demo.StandardOutput.ReadToEndAsync();
        Task<string> stderr = demo.StandardError.ReadToEndAsync();
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await demo.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true); // never leave the demo or its silos behind, even when the test fails
                await demo.WaitForExitAsync();
            }
        }

        return (demo.ExitCode, await stdout, await stderr);
    }

    /// <summary>This process's grandchildren under <paramref name="pid"/>, from /proc (the silos' pool workers).</summary>
    private static IEnumerable<int> ChildrenOf(int pid)
    {
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int child) && ParentOf(child) == pid)
            {
                yield return child;
            }
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0; // gone meanwhile
        }
    }

    /// <summary>
    /// Waits (up to 30 s) until every one of <paramref name="pids"/> has exited and been reaped: a zombie still counts
    /// as there. These are not this process's children, so the wait is the runtime's (it watches non-children itself).
    /// </summary>
    private static async Task AssertGoneAsync(IEnumerable<int> pids)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (int pid in pids.Distinct())
        {
            Process process;
            try
            {
                process = Process.GetProcessById(pid);
            }
            catch (ArgumentException)
            {
                continue; // gone
            }

            using (process)
            {
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"process {pid} ({Describe(pid)}) is still there 30 s after the demo ended");
                }
            }
        }
    }

    private static string Describe(int pid)
    {
        try
        {
            string cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return cmdline.Length > 0 ? cmdline : "a zombie: exited, not reaped";
        }
        catch (IOException)
        {
            return "gone";
        }
    }
}
