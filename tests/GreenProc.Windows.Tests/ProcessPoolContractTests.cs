using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Windows.Tests;

/// <summary>
/// The process pool on every platform (workers are this program, relaunched; on Windows their slots are shared sections
/// and their tree is their job): results in order, a task's exception, a worker that dies fails only its task and is
/// replaced, and a task that ignores its timeout gets its worker killed and replaced. Used without a hub, as plain async
/// code does; every pool is disposed, its workers with it.
/// </summary>
public class ProcessPoolContractTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_map_returns_every_result_in_order()
    {
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
        int[] results = await pool.MapAsync(PoolTasks.Square, Enumerable.Range(0, 2000)).WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 2000).Select(x => x * x), results);
    }

    [Fact]
    public async Task A_task_s_exception_comes_back_and_the_worker_lives_on()
    {
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 1 });
        int pid = await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound);
        GipcRemoteException e = await Assert.ThrowsAsync<GipcRemoteException>(() => pool.SubmitAsync(PoolTasks.Throw, 3).WaitAsync(Bound));
        Assert.True(e.Is<InvalidOperationException>());
        Assert.Equal("task 3 failed", e.Message);
        Assert.Equal(pid, await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_worker_that_exits_in_a_task_fails_only_that_task_and_the_pool_keeps_serving()
    {
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
        Task<int>[] tasks = Enumerable.Range(0, 8).Select(i => pool.SubmitAsync(PoolTasks.ExitOn, (i, 3))).ToArray();
        for (int i = 0; i < tasks.Length; i++)
        {
            if (i == 3)
            {
                WorkerCrashedException crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => tasks[i].WaitAsync(Bound));
                Assert.Equal(42, crash.ExitCode);
            }
            else
            {
                Assert.Equal(i, await tasks[i].WaitAsync(Bound));
            }
        }

        Assert.Equal(81, await pool.SubmitAsync(PoolTasks.Square, 9).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_task_that_ignores_its_timeout_has_its_worker_killed_and_replaced()
    {
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 1, KillGrace = TimeSpan.FromMilliseconds(100) });
        int pid = await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound);
        Task<int> next = pool.SubmitAsync(PoolTasks.Square, 3); // queued behind the stuck one: runs on the replacement
        ProcessPoolTimeoutException e = await Assert.ThrowsAsync<ProcessPoolTimeoutException>(
            () => pool.SubmitAsync(PoolTasks.HangIgnoringToken, 0, TimeSpan.FromMilliseconds(100)).WaitAsync(Bound));
        Assert.True(e.WorkerKilled);
        Assert.Equal(9, await next.WaitAsync(Bound));
        Assert.NotEqual(pid, await pool.SubmitAsync(PoolTasks.Pid, 0).WaitAsync(Bound));
    }
}

/// <summary>The tasks the pool tests run in worker processes.</summary>
internal static class PoolTasks
{
    public static int Square(int x) => x * x;

    public static int Pid(int _) => Environment.ProcessId;

    public static int Throw(int x) => throw new InvalidOperationException($"task {x} failed");

    public static int ExitOn((int X, int Victim) t)
    {
        if (t.X == t.Victim)
        {
            Environment.Exit(42);
        }

        return t.X;
    }

    public static int HangIgnoringToken(int x)
    {
        Thread.Sleep(Timeout.Infinite); // a task that must hang until its worker is killed
        return x;
    }
}
