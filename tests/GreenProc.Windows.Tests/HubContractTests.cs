using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Windows.Tests;

/// <summary>
/// The hub's contract, the same on every platform: FIFO scheduling, timers, kill, timeouts, cross-thread posts and
/// deadlock detection. Under Wine the loop waits on a completion port; under Linux on epoll.
/// </summary>
public class HubContractTests
{
    [Fact]
    public async Task The_hub_uses_the_platform_reactor()
    {
        ReactorKind kind = await HubRunner.RunAsync(() => Task.FromResult(Hub.Current!.Reactor));
        Assert.Equal(OperatingSystem.IsWindows() ? ReactorKind.CompletionPort : OperatingSystem.IsLinux() ? ReactorKind.Epoll : ReactorKind.Poll, kind);
    }

    [Fact]
    public async Task A_Unix_reactor_is_refused_on_Windows_and_the_port_elsewhere()
    {
        ReactorKind wrong = OperatingSystem.IsWindows() ? ReactorKind.Epoll : ReactorKind.CompletionPort;
        await Assert.ThrowsAsync<PlatformNotSupportedException>(
            () => HubRunner.RunAsync(() => Task.CompletedTask, new HubOptions { Reactor = wrong }));
    }

    [Fact]
    public async Task Greenlets_run_in_spawn_order_and_switch_in_FIFO_order()
    {
        List<string> order = await HubRunner.RunAsync(async () =>
        {
            var log = new List<string>();
            Greenlet a = Green.Spawn(async () => { log.Add("a1"); await Green.Sleep(TimeSpan.Zero); log.Add("a2"); });
            Greenlet b = Green.Spawn(async () => { log.Add("b1"); await Green.Sleep(TimeSpan.Zero); log.Add("b2"); });
            await Green.JoinAll([a, b]);
            return log;
        });
        Assert.Equal(["a1", "b1", "a2", "b2"], order);
    }

    [Fact]
    public async Task Sleeps_end_in_order_of_their_deadlines()
    {
        List<int> order = await HubRunner.RunAsync(async () =>
        {
            var log = new List<int>();
            var all = new List<Greenlet>();
            foreach (int ms in new[] { 30, 10, 20, 0 })
            {
                all.Add(Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(ms)); log.Add(ms); }));
            }

            await Green.JoinAll(all);
            return log;
        });
        Assert.Equal([0, 10, 20, 30], order);
    }

    [Fact]
    public async Task A_greenlet_returns_its_value_and_raises_its_error_to_the_joiner()
    {
        (int value, Exception? error) = await HubRunner.RunAsync(async () =>
        {
            Greenlet<int> ok = Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(1)); return 42; });
            Greenlet<int> bad = Green.Spawn<int>(async () => { await Green.Sleep(TimeSpan.Zero); throw new InvalidOperationException("boom"); });
            int v = await ok;
            await bad.JoinAsync();
            return (v, bad.Exception);
        }, new HubOptions { ErrorHandler = (_, _) => { } });
        Assert.Equal(42, value);
        Assert.Equal("boom", Assert.IsType<InvalidOperationException>(error).Message);
    }

    [Fact]
    public async Task Kill_raises_GreenletExit_at_the_switch_point_and_a_never_started_greenlet_never_runs()
    {
        (bool cleanedUp, bool ranLate, bool killedIsSuccess) = await HubRunner.RunAsync(async () =>
        {
            bool cleaned = false, ran = false;
            Greenlet sleeper = Green.Spawn(async () =>
            {
                try
                {
                    await Green.Sleep(Timeout.InfiniteTimeSpan);
                }
                finally
                {
                    cleaned = true;
                }
            });
            await Green.Sleep(TimeSpan.Zero);
            await sleeper.KillAsync();
            Greenlet never = Green.Spawn(async () => { ran = true; await Task.CompletedTask; });
            await never.KillAsync();
            await Green.Sleep(TimeSpan.FromMilliseconds(5));
            return (cleaned, ran, sleeper.IsSuccessful);
        });
        Assert.True(cleanedUp);
        Assert.False(ranLate);
        Assert.True(killedIsSuccess);
    }

    [Fact]
    public async Task A_timeout_scope_interrupts_a_wait_and_WithTimeout_returns_the_fallback()
    {
        (bool fired, int fallback) = await HubRunner.RunAsync(async () =>
        {
            bool f = false;
            using (GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(20)))
            {
                try
                {
                    await Green.Sleep(Timeout.InfiniteTimeSpan);
                }
                catch (GreenTimeoutException e) when (ReferenceEquals(e.Timeout, scope))
                {
                    f = true;
                }
            }

            int v = await Green.WithTimeout(TimeSpan.FromMilliseconds(10), async () => { await Green.Sleep(Timeout.InfiniteTimeSpan); return 1; }, -1);
            return (f, v);
        });
        Assert.True(fired);
        Assert.Equal(-1, fallback);
    }

    [Fact]
    public async Task A_post_from_another_thread_wakes_a_hub_blocked_in_its_reactor()
    {
        int received = await HubRunner.RunAsync(async () =>
        {
            Hub hub = Hub.Current!;
            var queue = new GreenQueue<int>();
            using var cancel = new CancellationTokenSource(); // an outside wake source: no deadlock is reported
            var poster = new Thread(() =>
            {
                for (int i = 1; i <= 100; i++)
                {
                    int n = i;
                    hub.Post(() => queue.TryPut(n));
                }
            });
            poster.Start();
            int sum = 0;
            for (int i = 0; i < 100; i++)
            {
                sum += await queue.GetAsync(cancellationToken: cancel.Token);
            }

            poster.Join();
            return sum;
        });
        Assert.Equal(5050, received);
    }

    [Fact]
    public async Task RunBlocking_runs_on_another_thread_and_the_hub_keeps_scheduling()
    {
        (int result, int ticks, bool otherThread) = await HubRunner.RunAsync(async () =>
        {
            int hubThread = Environment.CurrentManagedThreadId;
            int count = 0;
            using var release = new ManualResetEventSlim();
            Greenlet ticker = Green.Spawn(async () =>
            {
                while (true)
                {
                    count++;
                    if (count == 3)
                    {
                        release.Set();
                    }

                    await Green.Sleep(TimeSpan.FromMilliseconds(1));
                }
            });
            bool elsewhere = false;
            int r = await Green.RunBlocking(() =>
            {
                elsewhere = Environment.CurrentManagedThreadId != hubThread;
                release.Wait();
                return 7;
            });
            await ticker.KillAsync();
            return (r, count, elsewhere);
        });
        Assert.Equal(7, result);
        Assert.True(ticks >= 3);
        Assert.True(otherThread);
    }

    [Fact]
    public async Task A_main_greenlet_that_waits_on_nothing_is_told_of_the_deadlock()
    {
        await Assert.ThrowsAsync<HubDeadlockException>(() => HubRunner.RunAsync(async () =>
        {
            var never = new GreenEvent();
            await never.WaitAsync();
        }));
    }
}
