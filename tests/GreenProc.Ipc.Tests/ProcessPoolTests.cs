using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>The tasks the pool tests run in real worker processes.</summary>
internal static class PoolTasks
{
    private static string? s_initialized;

    public static int Square(int x) => x * x;

    public static int WriteToStderr(string line)
    {
        Console.Error.WriteLine(line);
        return 1;
    }

    public static long SquareWatching(int x, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        return (long)x * x;
    }

    public static async Task<string> EchoAsync(string s)
    {
        await Green.Sleep(TimeSpan.FromMilliseconds(1)); // a worker's tasks run on its hub: green waits work there
        return s + "!";
    }

    public static async Task<int> NegateAsync(int x, CancellationToken token)
    {
        await Green.Sleep(TimeSpan.FromMilliseconds(1), token);
        return -x;
    }

    public static int Pid(int _) => Environment.ProcessId;

    public static int Throw(int x)
    {
        try
        {
            throw new FormatException($"inner {x}");
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"task {x} failed", e);
        }
    }

    /// <summary>Dies in the way t.How names when t.X is the victim, else returns t.X.</summary>
    public static int CrashOn((int X, int Victim, string How) t)
    {
        if (t.X != t.Victim)
        {
            return t.X;
        }

        switch (t.How)
        {
            case "exit":
                Environment.Exit(42);
                break;
            case "failfast":
                Environment.FailFast("the task asked for it");
                break;
            case "stackoverflow":
                return Recurse(t.X);
            case "segv":
                unsafe
                {
                    ((delegate* unmanaged<void>)0x10)(); // a call into nowhere: a native crash (SIGSEGV) no handler turns into an exception
                }

                break;
        }

        return t.X;
    }

    private static int Recurse(int x) => x == int.MinValue ? x : Recurse(x + 1) + 1;

    /// <summary>Writes its pid to <paramref name="path"/>, then hangs until its worker is killed (a busy worker to kill).</summary>
    public static int ReportPidThenHang(string path)
    {
        ReportPid(path);
        Thread.Sleep(Timeout.Infinite);
        return 1;
    }

    /// <summary>Writes its pid, then hangs and never looks at its token (only a kill stops it).</summary>
    public static int ReportPidThenHangIgnoringToken(string path, CancellationToken token)
    {
        ReportPid(path);
        Thread.Sleep(Timeout.Infinite);
        return 1;
    }

    /// <summary>Writes its pid, then runs until its token is cancelled, and stops by throwing (a well-behaved task).</summary>
    public static int ReportPidThenWaitForCancel(string path, CancellationToken token)
    {
        ReportPid(path);
        token.WaitHandle.WaitOne();
        token.ThrowIfCancellationRequested();
        return 1;
    }

    /// <summary>Writes its pid, then runs until its token is cancelled, and returns t.Result anyway.</summary>
    public static int ReportPidThenReturnWhenCancelled((string Path, int Result) t, CancellationToken token)
    {
        ReportPid(t.Path);
        token.WaitHandle.WaitOne();
        return t.Result;
    }

    /// <summary>Writes its pid, then reads the FIFO <c>t.Go</c> (it blocks until the test writes it) and returns t.Result.</summary>
    public static int ReportPidThenWaitForGo((string Path, string Go, int Result) t)
    {
        ReportPid(t.Path);
        _ = File.ReadAllText(t.Go);
        return t.Result;
    }

    /// <summary>Writes this worker's pid into the FIFO at <paramref name="path"/> (the test is blocked reading it).</summary>
    private static void ReportPid(string path) => File.WriteAllText(path, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static int FailAtFive(int x) => x == 5 ? throw new ArgumentException("item 5 is bad") : x;

    public static int SleepMs(int ms)
    {
        Thread.Sleep(ms);
        return ms;
    }

    public static int SleepWatching(int ms, CancellationToken token)
    {
        token.WaitHandle.WaitOne(ms);
        token.ThrowIfCancellationRequested();
        return ms;
    }

    public static int SleepIgnoring(int ms, CancellationToken token)
    {
        Thread.Sleep(ms);
        return ms;
    }

    /// <summary>Starts a grandchild (in the worker's process group), reports its pid in a file, then hangs.</summary>
    public static int StartGrandchildThenHang(string path)
    {
        var grandchild = GreenProc.Subprocess.Popen.Start(["sleep", "300"]);
        File.WriteAllText(path, grandchild.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)); // a FIFO the test reads
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>Item 0 fails; the others wait for the soft cancellation that the map's end sends them, then go on
    /// running past the pool's kill grace before they return.</summary>
    public static int FailFirstOutliveTheGraceOthers(int x, CancellationToken token)
    {
        if (x == 0)
        {
            throw new ArgumentException("item 0 is bad");
        }

        token.WaitHandle.WaitOne();
        Thread.Sleep(500); // the workload: longer than the test's 100 ms KillGrace, which a failed map must not apply
        return x;
    }

    public static int TouchFile(string path)
    {
        File.WriteAllText(path, "ran");
        return 1;
    }

    public static void Initialize(string value) => s_initialized = value;

    public static void FailInitialize() => throw new InvalidDataException("no configuration");

    public static void ExitAtStart()
    {
        Console.Error.WriteLine("this worker cannot start");
        Environment.Exit(3);
    }

    public static string Initialized(int _) => s_initialized ?? "(none)";

    /// <summary>Acts as the owner of a pool (run in a child): reports its workers' pids, then waits to be killed.</summary>
    public static async Task OwnPool(GipcWriter<int[]> report)
    {
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
        await pool.WaitReadyAsync();
        int[] pids = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => pool.SubmitAsync(WorkerPid, 0)));
        await report.PutAsync(pids.Distinct().ToArray());
        await report.FlushAsync();
        await Green.Sleep(Timeout.InfiniteTimeSpan);
    }

    /// <summary>This worker's pid. Submitted several at once to a new pool, both workers get some: the dispatcher gives
    /// each task to the worker holding the fewest (a worker still starting included), so the first two go one each.</summary>
    public static int WorkerPid(int _) => Environment.ProcessId;
}

/// <summary>
/// ProcessPool with real worker processes: results of every task shape, maps in order and not, task errors, every way a
/// worker can die (the pool fails only the task it ran and keeps serving), timeouts soft and hard, cancellation before
/// and during a task, lazy and infinite inputs, recycling, initializers, dispose and kill, and no fd, zombie or
/// orphaned worker left behind. Most run as ordinary async code with no hub (the pool runs its own); some inside
/// Green.Run (the pool runs on that hub).
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class ProcessPoolTests : LeakCheckedTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    protected override ReactorKind Reactor => ReactorKind.Epoll;

    private static ProcessPool NewPool(int workers = 2, Func<ProcessPoolOptions, ProcessPoolOptions>? tune = null)
        => new(tune is null ? new ProcessPoolOptions { Workers = workers } : tune(new ProcessPoolOptions { Workers = workers }));

    [Fact]
    public async Task Every_task_shape_returns_its_result()
    {
        await using ProcessPool pool = NewPool();
        Assert.Equal(49, await pool.SubmitAsync(PoolTasks.Square, 7).WaitAsync(Bound));
        Assert.Equal(64L, await pool.SubmitAsync(PoolTasks.SquareWatching, 8).WaitAsync(Bound));
        Assert.Equal("hi!", await pool.SubmitAsync(PoolTasks.EchoAsync, "hi").WaitAsync(Bound));
        Assert.Equal(-5, await pool.SubmitAsync(PoolTasks.NegateAsync, 5).WaitAsync(Bound));
        Assert.Equal(10, await pool.SubmitAsync(static (int x) => x * 2, 5).WaitAsync(Bound)); // a lambda that captures nothing
    }

    [Fact]
    public async Task A_hundred_thousand_tasks_return_every_result_in_order()
    {
        await using ProcessPool pool = NewPool();
        int[] results = await pool.MapAsync(PoolTasks.Square, Enumerable.Range(0, 100_000).ToArray()).WaitAsync(Bound);
        Assert.Equal(100_000, results.Length);
        for (int i = 0; i < results.Length; i++)
        {
            Assert.True(results[i] == i * i, $"result {i} is {results[i]}");
        }

        // Submitted one by one, lazily enumerated and async sources, ordered and not: the same answers.
        int[] one = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => pool.SubmitAsync(PoolTasks.Square, i))).WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => i * i), one);
        var ordered = new List<long>();
        await foreach (long r in pool.Imap(PoolTasks.SquareWatching, Lazy(5000)))
        {
            ordered.Add(r);
        }

        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i * i), ordered);
        var unordered = new List<int>();
        await foreach (int r in pool.ImapUnordered(PoolTasks.NegateAsync, LazyAsync(3000)))
        {
            unordered.Add(r);
        }

        Assert.Equal(Enumerable.Range(0, 3000).Select(i => -i), unordered.Order().Reverse());
    }

    private static IEnumerable<int> Lazy(int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return i;
        }
    }

    private static async IAsyncEnumerable<int> LazyAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (i % 100 == 0)
            {
                await Task.Yield();
            }

            yield return i;
        }
    }

    [Fact]
    public async Task A_tasks_exception_comes_back_with_type_message_stack_and_inner_and_the_worker_lives_on()
    {
        await using ProcessPool pool = NewPool(workers: 1);
        int pid = await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound);
        var e = await Assert.ThrowsAsync<GipcRemoteException>(() => pool.SubmitAsync(PoolTasks.Throw, 3).WaitAsync(Bound));
        Assert.True(e.Is<InvalidOperationException>());
        Assert.Equal("task 3 failed", e.Message);
        Assert.Contains(nameof(PoolTasks.Throw), e.RemoteStackTrace, StringComparison.Ordinal);
        Assert.True(e.RemoteInnerExceptions.Single().Is<FormatException>());
        Assert.Equal(pid, e.ProcessId);
        Assert.Equal(pid, await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound)); // same worker, still serving
    }

    [Theory]
    [InlineData("exit", 42)]
    [InlineData("failfast", null)]
    [InlineData("stackoverflow", null)]
    [InlineData("segv", -11)]
    public async Task A_worker_that_dies_in_a_task_fails_only_that_task_and_the_pool_keeps_serving(string how, int? exitCode)
    {
        await using ProcessPool pool = NewPool();
        Task<int>[] tasks = Enumerable.Range(0, 8).Select(i => pool.SubmitAsync(PoolTasks.CrashOn, (i, 3, how))).ToArray();
        for (int i = 0; i < tasks.Length; i++)
        {
            if (i == 3)
            {
                var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => tasks[i].WaitAsync(Bound));
                Assert.NotEqual(0, crash.ExitCode);
                if (exitCode is { } code)
                {
                    Assert.Equal(code, crash.ExitCode);
                }

                Assert.True(crash.Pid > 0);
            }
            else
            {
                Assert.Equal(i, await tasks[i].WaitAsync(Bound));
            }
        }

        Assert.Equal(81, await pool.SubmitAsync(PoolTasks.Square, 9).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_crash_inside_a_chunk_fails_that_item_and_the_items_before_it_still_come()
    {
        await using ProcessPool pool = NewPool();
        var got = new List<int>();
        var items = Enumerable.Range(0, 50).Select(i => (i, 25, "exit"));
        var e = await Assert.ThrowsAsync<WorkerCrashedException>(async () =>
        {
            await foreach (int r in pool.Imap(PoolTasks.CrashOn, items, new ProcessPoolMapOptions { ChunkSize = 10 }))
            {
                got.Add(r);
            }
        }).WaitAsync(Bound);
        Assert.Equal(42, e.ExitCode);
        Assert.Equal(Enumerable.Range(0, 25), got); // 20..24 shared the crashed chunk: run again elsewhere, not lost
    }

    [Fact]
    public async Task A_busy_worker_killed_from_outside_fails_its_task_only_and_a_later_task_runs()
    {
        // The anchors' crash drill: multiprocessing.Pool hangs here, ProcessPoolExecutor fails everything.
        await using ProcessPool pool = NewPool();
        await pool.WaitReadyAsync().WaitAsync(Bound);
        string marker = NewFifo();
        try
        {
            Task<int> victim = pool.SubmitAsync(PoolTasks.ReportPidThenHang, marker);
            Task<int>[] others = Enumerable.Range(0, 5).Select(_ => pool.SubmitAsync(PoolTasks.SleepMs, 50)).ToArray(); // tasks that take a while, not a wait
            int pid = await WaitForPidAsync(marker);
            Assert.Equal(0, Interop.Kill(pid, 9));
            var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => victim.WaitAsync(Bound));
            Assert.Equal(9, crash.Signal);
            Assert.Equal(pid, crash.Pid);
            Assert.All(await Task.WhenAll(others).WaitAsync(Bound), r => Assert.Equal(50, r));
            Assert.Equal(4, await pool.SubmitAsync(PoolTasks.Square, 2).WaitAsync(Bound));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task A_result_is_delivered_while_its_worker_runs_the_next_task()
    {
        // A worker's answers leave at the end of a hub turn, and tasks of a run of short items share one: the answer
        // of a task must not wait for a later task the same worker holds (a long one, or one that never ends).
        await using ProcessPool pool = NewPool(workers: 1);
        string marker = NewFifo(), go = NewFifo();
        try
        {
            Task<int> first = pool.SubmitAsync(PoolTasks.Square, 3);
            Task<int> next = pool.SubmitAsync(PoolTasks.ReportPidThenWaitForGo, (marker, go, 42));
            await WaitForPidAsync(marker); // the next task runs: the first has ended
            Assert.Equal(9, await first.WaitAsync(Bound)); // before the next ends (it waits for us)
            Task released = Task.Run(() => File.WriteAllText(go, "go"));
            Assert.Equal(42, await next.WaitAsync(Bound));
            await released.WaitAsync(Bound);
        }
        finally
        {
            File.Delete(marker);
            File.Delete(go);
        }
    }

    [Fact]
    public async Task A_worker_stopped_and_continued_mid_task_delivers_its_result()
    {
        // Issue 17's SIGSTOP/SIGCONT fault: a stopped worker is neither dead nor lost; its task ends when it runs again.
        await using ProcessPool pool = NewPool(workers: 1);
        string marker = NewFifo(), go = NewFifo();
        try
        {
            Task<int> task = pool.SubmitAsync(PoolTasks.ReportPidThenWaitForGo, (marker, go, 42));
            int pid = await WaitForPidAsync(marker);
            Assert.Equal(0, Interop.Kill(pid, 19)); // SIGSTOP
            Task released = Task.Run(() => File.WriteAllText(go, "go")); // completes once the worker has the FIFO open
            Assert.False(task.IsCompleted); // stopped: it cannot have finished, whatever it had reached
            Assert.Equal(0, Interop.Kill(pid, 18)); // SIGCONT
            Assert.Equal(42, await task.WaitAsync(Bound));
            await released.WaitAsync(Bound);
            Assert.Equal(9, await pool.SubmitAsync(PoolTasks.Square, 3).WaitAsync(Bound));
        }
        finally
        {
            File.Delete(marker);
            File.Delete(go);
        }
    }

    [Fact]
    public async Task A_stopped_worker_past_its_timeout_is_killed_and_replaced()
    {
        // A stopped worker cannot see its token: the pool's kill after KillGrace ends it (SIGKILL reaches a stopped process).
        await using ProcessPool pool = NewPool(workers: 1);
        string marker = NewFifo();
        try
        {
            Task<int> task = pool.SubmitAsync(PoolTasks.ReportPidThenWaitForCancel, marker, TimeSpan.FromMilliseconds(200));
            int pid = await WaitForPidAsync(marker);
            Assert.Equal(0, Interop.Kill(pid, 19)); // SIGSTOP
            var late = await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => task.WaitAsync(Bound));
            Assert.True(late.WorkerKilled);
            Assert.Equal(pid, late.Pid);
            await WaitExitedAsync(pid);
            Assert.Equal(9, await pool.SubmitAsync(PoolTasks.Square, 3).WaitAsync(Bound)); // a replacement serves
        }
        finally
        {
            File.Delete(marker);
        }
    }

    /// <summary>A FIFO in the temporary folder: a task in a worker writes to it, the test blocks reading it.</summary>
    internal static string NewFifo()
    {
        string path = Path.Combine(Path.GetTempPath(), $"greenproc-pool-{Guid.NewGuid():N}");
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>The pid a task wrote into the FIFO at <paramref name="path"/>: returns once it has (an event, not a poll).</summary>
    private static async Task<int> WaitForPidAsync(string path)
        => int.Parse(await Task.Run(() => File.ReadAllText(path)).WaitAsync(Bound), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Returns once process <paramref name="pid"/> has exited (its pidfd turns readable; at once if it is already gone).
    /// Blocks a pool thread in poll(2): these tests run outside any hub.
    /// </summary>
    private static async Task WaitExitedAsync(int pid)
    {
        int fd = Interop.PidfdOpen(pid, 0);
        if (fd < 0)
        {
            Assert.Equal(Interop.ESRCH, Interop.LastErrno);
            return; // gone and reaped already
        }

        using var pidfd = new SafeFdHandle(fd);
        await Task.Run(() => GreenProc.Internal.FdIO.WaitAny([pidfd], forWrite: false, timeoutMs: -1)).WaitAsync(Bound);
    }

    private static bool ExitedOrGone(int pid)
        => !File.Exists($"/proc/{pid}/stat") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    [Fact]
    public async Task A_timeout_cancels_the_task_through_its_token_and_the_worker_lives_on()
    {
        await using ProcessPool pool = NewPool(workers: 1);
        int pid = await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound);
        var e = await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => pool.SubmitAsync(PoolTasks.SleepWatching, 30_000, TimeSpan.FromMilliseconds(100)).WaitAsync(Bound));
        Assert.False(e.WorkerKilled);
        Assert.Equal(TimeSpan.FromMilliseconds(100), e.Timeout);
        Assert.Equal(pid, await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_task_that_ignores_its_timeout_has_its_worker_killed_after_the_grace_and_replaced()
    {
        await using ProcessPool pool = NewPool(workers: 1, o => o with { KillGrace = TimeSpan.FromMilliseconds(100) });
        int pid = await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound);
        Task<int> next = pool.SubmitAsync(PoolTasks.Square, 3); // queued behind the stuck one: runs on the replacement
        var e = await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => pool.SubmitAsync(PoolTasks.SleepIgnoring, 30_000, TimeSpan.FromMilliseconds(100)).WaitAsync(Bound));
        Assert.True(e.WorkerKilled);
        Assert.Equal(pid, e.Pid);
        Assert.Equal(9, await next.WaitAsync(Bound));
        Assert.NotEqual(pid, await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound));
    }

    [Fact]
    public async Task What_a_killed_workers_task_started_dies_with_it()
    {
        await using ProcessPool pool = NewPool(workers: 1, o => o with { KillGrace = TimeSpan.Zero });
        string marker = NewFifo();
        try
        {
            Task<int> hung = pool.SubmitAsync(PoolTasks.StartGrandchildThenHang, marker, TimeSpan.FromMilliseconds(500));
            int grandchild = await WaitForPidAsync(marker);
            Assert.True((await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => hung.WaitAsync(Bound))).WorkerKilled);
            await WaitExitedAsync(grandchild);
            Assert.True(ExitedOrGone(grandchild), $"grandchild {grandchild} outlived its worker");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task A_failed_map_lets_its_running_tasks_finish_and_kills_no_worker()
    {
        // Python's map lets them finish too; only a caller's cancellation kills a worker whose task does not stop.
        await using ProcessPool pool = NewPool(tune: o => o with { KillGrace = TimeSpan.FromMilliseconds(100) });
        int[] before = (await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => pool.SubmitAsync(PoolTasks.WorkerPid, 0))).WaitAsync(Bound)).Distinct().Order().ToArray();
        await Assert.ThrowsAsync<GipcRemoteException>(() => pool.MapAsync(PoolTasks.FailFirstOutliveTheGraceOthers, [0, 1], new ProcessPoolMapOptions { ChunkSize = 1 }).WaitAsync(Bound));
        int[] after = (await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => pool.SubmitAsync(PoolTasks.WorkerPid, 0))).WaitAsync(Bound)).Distinct().Order().ToArray();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task A_default_timeout_applies_to_maps_and_a_call_can_lift_it()
    {
        // The sleeps are the workload: tasks that outlast the 100 ms default, or would without the lifted timeout.
        await using ProcessPool pool = NewPool(workers: 1, o => o with { TaskTimeout = TimeSpan.FromMilliseconds(100) });
        await Assert.ThrowsAsync<ProcessPoolTimeoutException>(() => pool.MapAsync(PoolTasks.SleepWatching, [10, 30_000]).WaitAsync(Bound));
        Assert.Equal(200, await pool.SubmitAsync(PoolTasks.SleepWatching, 200, Timeout.InfiniteTimeSpan).WaitAsync(Bound));
        Assert.Equal(new[] { 150 }, await pool.MapAsync(PoolTasks.SleepWatching, [150], new ProcessPoolMapOptions { TaskTimeout = TimeSpan.FromSeconds(30) }).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_task_cancelled_before_it_starts_never_runs()
    {
        // No kill grace: the busy task is cancelled too, and a slow answer from it on a loaded machine is not a kill.
        await using ProcessPool pool = NewPool(workers: 1, o => o with { KillGrace = Timeout.InfiniteTimeSpan });
        string ran = Path.Combine(Path.GetTempPath(), $"greenproc-pool-{Guid.NewGuid():N}");
        string started = NewFifo();
        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.SubmitAsync(PoolTasks.TouchFile, ran, cancellationToken: new CancellationToken(true)));

            // Queued behind a busy worker, then cancelled: answered without running. The busy task runs until its own
            // token is cancelled, which is done after the queued one's: the pool sends cancellations in order and the
            // worker's control thread takes them in order, so the queued one is marked cancelled before the busy one
            // ends (or, still in the pool's queue, it is simply dropped).
            using var busyCts = new CancellationTokenSource();
            using var queuedCts = new CancellationTokenSource();
            Task<int> busy = pool.SubmitAsync(PoolTasks.ReportPidThenReturnWhenCancelled, (started, 300), cancellationToken: busyCts.Token);
            Task<int> queued = pool.SubmitAsync(PoolTasks.TouchFile, ran, cancellationToken: queuedCts.Token);
            await WaitForPidAsync(started); // the busy task runs: the queued one waits behind it
            queuedCts.Cancel();
            busyCts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Bound));
            Assert.Equal(300, await busy.WaitAsync(Bound));
            Assert.Equal(1, await pool.SubmitAsync(PoolTasks.Square, 1).WaitAsync(Bound)); // after the queued one's turn
            Assert.False(File.Exists(ran), "a cancelled task ran");
        }
        finally
        {
            File.Delete(ran);
            File.Delete(started);
        }
    }

    [Fact]
    public async Task A_running_task_is_cancelled_through_its_token_or_its_worker_is_killed_after_the_grace()
    {
        await using ProcessPool pool = NewPool(workers: 1, o => o with { KillGrace = TimeSpan.FromMilliseconds(200) });
        await pool.WaitReadyAsync().WaitAsync(Bound);
        int pid = await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound);
        string watchingStarted = NewFifo();
        string ignoringStarted = NewFifo();
        try
        {
            // Each task says when it runs, and is cancelled only then: a cancellation that came before would be
            // answered unrun, and prove nothing about a running task.
            using (var cts = new CancellationTokenSource())
            {
                Task<int> watching = pool.SubmitAsync(PoolTasks.ReportPidThenWaitForCancel, watchingStarted, cancellationToken: cts.Token);
                await WaitForPidAsync(watchingStarted);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching.WaitAsync(Bound));
                Assert.Equal(pid, await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound)); // it stopped: no kill
            }

            using (var cts = new CancellationTokenSource())
            {
                Task<int> ignoring = pool.SubmitAsync(PoolTasks.ReportPidThenHangIgnoringToken, ignoringStarted, cancellationToken: cts.Token);
                await WaitForPidAsync(ignoringStarted);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ignoring.WaitAsync(Bound));
                Assert.NotEqual(pid, await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound)); // killed and replaced
            }
        }
        finally
        {
            File.Delete(watchingStarted);
            File.Delete(ignoringStarted);
        }
    }

    [Fact]
    public async Task An_infinite_input_is_read_only_as_far_as_the_consumer_goes_and_abandoning_it_stops_the_reading()
    {
        await using ProcessPool pool = NewPool();
        var read = new int[1];
        var taken = new List<int>();
        await foreach (int r in pool.Imap(PoolTasks.Square, Counting(read), new ProcessPoolMapOptions { ChunkSize = 4, MaxInFlight = 16 }))
        {
            taken.Add(r);
            if (taken.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(new[] { 0, 1, 4 }, taken);
        int afterBreak = Volatile.Read(ref read[0]);
        Assert.InRange(afterBreak, 3, 3 + 16); // never more than MaxInFlight beyond the results the consumer took
        Assert.Equal(100, await pool.SubmitAsync(PoolTasks.Square, 10).WaitAsync(Bound)); // the pool moved on
        Assert.Equal(afterBreak, Volatile.Read(ref read[0])); // and the input was not read any further

        // Python's Pool.imap read 47,248 items here, ProcessPoolExecutor.map all of them (issue 12's read-ahead drill).
    }

    [Fact]
    public async Task Leaving_an_Imap_loop_returns_once_the_input_is_no_longer_read_and_its_enumerator_is_disposed()
    {
        // The feeder reads the input on the pool's hub thread: the loop's end must wait for it to stop, or the caller's
        // input would be enumerated (and disposed) behind its back after the loop.
        await using ProcessPool pool = NewPool();
        var input = new TrackedInput();
        int taken = 0;
        await foreach (int r in pool.Imap(PoolTasks.Square, input, new ProcessPoolMapOptions { ChunkSize = 4, MaxInFlight = 16 }))
        {
            if (++taken == 3)
            {
                break;
            }
        }

        Assert.True(input.Disposed, "the input's enumerator was not disposed when the loop ended");
        int readAtEnd = input.Read;
        Assert.Equal(100, await pool.SubmitAsync(PoolTasks.Square, 10).WaitAsync(Bound));
        Assert.Equal(readAtEnd, input.Read);
    }

    [Fact]
    public async Task Leaving_an_Imap_loop_stops_an_async_input_that_waits_for_ever()
    {
        await using ProcessPool pool = NewPool();
        var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        int taken = 0;
        await foreach (int r in pool.Imap(PoolTasks.Square, FiveThenWaitForever(stopped), new ProcessPoolMapOptions { ChunkSize = 4 }).WithCancellation(CancellationToken.None))
        {
            if (++taken == 3)
            {
                break;
            }
        }

        // Its MoveNextAsync was cancelled through the token the pool passed it, and its finally ran before the loop ended.
        Assert.True(stopped.Task.IsCompleted, "the async input is still waiting after the loop ended");
        Assert.True(await stopped.Task);
    }

    [Fact]
    public async Task A_failed_MapAsync_has_stopped_reading_its_input_when_it_throws()
    {
        await using ProcessPool pool = NewPool();
        var input = new TrackedInput();
        await Assert.ThrowsAsync<GipcRemoteException>(() => pool.MapAsync(PoolTasks.FailAtFive, input, new ProcessPoolMapOptions { ChunkSize = 1, MaxInFlight = 8 }).WaitAsync(Bound));
        Assert.True(input.Disposed, "the input's enumerator was not disposed when MapAsync ended");
    }

    private static async IAsyncEnumerable<int> FiveThenWaitForever(TaskCompletionSource<bool> stopped, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token = default)
    {
        try
        {
            for (int i = 0; i < 5; i++)
            {
                yield return i;
            }

            await Task.Delay(Timeout.Infinite, token);
        }
        finally
        {
            stopped.TrySetResult(token.IsCancellationRequested);
        }
    }

    /// <summary>An endless input that counts what was read and records its enumerator's disposal.</summary>
    private sealed class TrackedInput : IEnumerable<int>
    {
        private int _read;
        private int _disposed;

        public int Read => Volatile.Read(ref _read);

        public bool Disposed => Volatile.Read(ref _disposed) != 0;

        public IEnumerator<int> GetEnumerator()
        {
            try
            {
                for (int i = 0; ; i++)
                {
                    Interlocked.Increment(ref _read);
                    yield return i;
                }
            }
            finally
            {
                Volatile.Write(ref _disposed, 1);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static IEnumerable<int> Counting(int[] read)
    {
        for (int i = 0; ; i++)
        {
            Interlocked.Increment(ref read[0]);
            yield return i;
        }
    }

    [Fact]
    public async Task Workers_are_replaced_after_MaxTasksPerWorker_tasks()
    {
        await using ProcessPool pool = NewPool(workers: 1, o => o with { MaxTasksPerWorker = 3 });
        var pids = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            pids.Add(await pool.SubmitAsync(PoolTasks.Pid, i).WaitAsync(Bound));
        }

        Assert.All(pids.GroupBy(p => p), g => Assert.True(g.Count() <= 3, $"worker {g.Key} ran {g.Count()} tasks"));
        Assert.Equal(4, pids.Distinct().Count());

        // Maps too: 30 tasks on workers of 3 each, every result right.
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * i), await pool.MapAsync(PoolTasks.Square, Enumerable.Range(0, 30)).WaitAsync(Bound));
    }

    [Fact]
    public async Task The_initializer_runs_in_each_worker_before_its_tasks()
    {
        await using ProcessPool pool = NewPool(tune: o => o with { Initializer = PoolTasks.Initialize, InitializerArgument = "configured" });
        await pool.WaitReadyAsync().WaitAsync(Bound);
        Assert.All(await pool.MapAsync(PoolTasks.Initialized, Enumerable.Range(0, 20)).WaitAsync(Bound), s => Assert.Equal("configured", s));
    }

    [Fact]
    public async Task A_failing_initializer_fails_the_pool_with_the_reason()
    {
        await using ProcessPool pool = NewPool(tune: o => o with { Initializer = PoolTasks.FailInitialize });
        var e = await Assert.ThrowsAsync<ProcessPoolInitializationException>(() => pool.WaitReadyAsync().WaitAsync(Bound));
        Assert.True(((GipcRemoteException)e.InnerException!).Is<InvalidDataException>());
        var task = await Assert.ThrowsAsync<ProcessPoolInitializationException>(() => pool.SubmitAsync(PoolTasks.Square, 1).WaitAsync(Bound));
        Assert.Contains("no configuration", task.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workers_that_die_before_they_are_ready_fail_the_pool_instead_of_being_restarted_for_ever()
    {
        await using ProcessPool pool = NewPool(tune: o => o with { Initializer = PoolTasks.ExitAtStart });
        var e = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.WaitReadyAsync().WaitAsync(Bound));
        Assert.Contains("before they are ready", e.Message, StringComparison.Ordinal);
        Assert.Contains("this worker cannot start", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.SubmitAsync(PoolTasks.Square, 1).WaitAsync(Bound));
    }

    [Fact]
    public async Task Bad_tasks_and_arguments_are_refused_at_the_call()
    {
        await using ProcessPool pool = NewPool(workers: 1);
        int captured = 3;
        // Refused synchronously, before anything is queued (the call throws; no task is returned).
        Assert.Throws<ArgumentException>(() => { _ = pool.SubmitAsync((int x) => x + captured, 1); });
        Assert.Throws<ArgumentException>(() => { _ = pool.SubmitAsync(new Instance().Twice, 1); });
        Assert.Throws<NotSupportedException>(() => { _ = pool.SubmitAsync(TakesObject, new object()); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = pool.SubmitAsync(PoolTasks.Square, 1, TimeSpan.FromSeconds(-2)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPoolOptions { Workers = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Imap(PoolTasks.Square, [1], new ProcessPoolMapOptions { ChunkSize = 0 }));
    }

    private static int TakesObject(object o) => 1;

    private sealed class Instance
    {
        private readonly int _factor = 2;

        public int Twice(int x) => x * _factor;
    }

    [Fact]
    public async Task Progress_is_reported_for_maps_and_ends_with_the_totals()
    {
        await using ProcessPool pool = NewPool();
        var reports = new List<ProcessPoolProgress>();
        var progress = new SynchronousProgress(p =>
        {
            lock (reports)
            {
                reports.Add(p);
            }
        });
        await pool.MapAsync(PoolTasks.Square, Enumerable.Range(0, 1000).ToArray(), new ProcessPoolMapOptions { Progress = progress }).WaitAsync(Bound);
        ProcessPoolProgress last = reports[^1];
        Assert.Equal(1000, last.Completed);
        Assert.Equal(0, last.Failed);
        Assert.Equal(0, last.InFlight);
        Assert.Equal(1000, last.Total);
        Assert.Equal(1.0, last.Fraction);
        Assert.True(last.Rate > 0);
    }

    private sealed class SynchronousProgress(Action<ProcessPoolProgress> report) : IProgress<ProcessPoolProgress>
    {
        public void Report(ProcessPoolProgress value) => report(value);
    }

    [Fact]
    public async Task DisposeAsync_lets_submitted_tasks_finish_and_Kill_fails_them()
    {
        ProcessPool pool = NewPool();
        Task<int>[] running = Enumerable.Range(0, 6).Select(_ => pool.SubmitAsync(PoolTasks.SleepMs, 100)).ToArray();
        await pool.DisposeAsync().AsTask().WaitAsync(Bound);
        Assert.All(await Task.WhenAll(running), r => Assert.Equal(100, r));
        Assert.Throws<ObjectDisposedException>(() => { _ = pool.SubmitAsync(PoolTasks.Square, 1); });

        ProcessPool killed = NewPool();
        Task<int> lost = killed.SubmitAsync(PoolTasks.SleepMs, 30_000);
        killed.Kill();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => lost.WaitAsync(Bound));
    }

    [Fact]
    public async Task After_dispose_no_worker_fd_or_zombie_is_left()
    {
        int[] pids;
        await using (ProcessPool pool = NewPool())
        {
            pids = (await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => pool.SubmitAsync(PoolTasks.WorkerPid, 0))).WaitAsync(Bound)).Distinct().ToArray();
        }

        Assert.Equal(2, pids.Length);
        foreach (int pid in pids)
        {
            await WaitGoneAsync(pid); // exited and reaped: not even a zombie
        }

        Assert.DoesNotContain(Directory.GetFiles("/proc/self/fd"), fd => (new FileInfo(fd).LinkTarget ?? "").Contains("greenproc-pool-slot", StringComparison.Ordinal));
    }

    /// <summary>The worker has exited, and the pool reaped it before its DisposeAsync returned: no zombie left.</summary>
    private static async Task WaitGoneAsync(int pid)
    {
        await WaitExitedAsync(pid);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} is a zombie: exited but not reaped");
    }

    [Fact]
    public void Workers_die_with_their_owner_even_when_it_is_SIGKILLed()
    {
        Run(async () =>
        {
            using GipcPipe<int[]> report = Gipc.Pipe<int[]>();
            using GipcProcess owner = Gipc.StartProcess(PoolTasks.OwnPool, report.Writer);
            int[] workers = await report.Reader.GetAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, workers.Length);
            owner.Kill();
            Assert.True(await owner.JoinAsync(TimeSpan.FromSeconds(30)));
            foreach (int pid in workers)
            {
                int fd = Interop.PidfdOpen(pid, 0);
                if (fd >= 0)
                {
                    using var pidfd = new SafeFdHandle(fd);
                    await Green.WaitReadAsync(pidfd, TimeSpan.FromSeconds(30)); // readable once it has exited
                }

                Assert.True(ExitedOrGone(pid), $"worker {pid} outlived its owner");
            }
        });
    }

    [Fact]
    public void Inside_Green_Run_the_pool_runs_on_that_hub_and_awaits_park_only_the_greenlet()
    {
        Run(async () =>
        {
            await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
            // The task runs until its token is cancelled, and only another greenlet of this hub cancels it: the await
            // can end only if it parked the greenlet alone and left the hub free to run that one.
            using var cts = new CancellationTokenSource();
            bool ran = false;
            Greenlet canceller = Green.Spawn(() =>
            {
                ran = true;
                cts.Cancel();
                return Task.CompletedTask;
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.SubmitAsync(PoolTasks.SleepWatching, 30_000, cancellationToken: cts.Token));
            Assert.True(ran, "the hub was blocked while the task ran");
            await canceller;
            var results = new List<int>();
            await foreach (int r in pool.ImapUnordered(PoolTasks.Square, Enumerable.Range(0, 100)))
            {
                results.Add(r);
            }

            Assert.Equal(Enumerable.Range(0, 100).Select(i => i * i), results.Order());
        });
    }
}
