using System;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class DeadlockTests : HubTestBase
{
    [Fact]
    public void Main_joining_a_greenlet_that_joins_main_is_a_deadlock_that_names_both_waits()
    {
        var e = Assert.Throws<HubDeadlockException>(() => Run(async () =>
        {
            Greenlet main = Green.Current;
            Greenlet child = Green.Spawn(async () => await main.JoinAsync(), "child");
            await child.JoinAsync();
        }));

        Assert.Contains("'main' waits on join of greenlet 'child'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'child' waits on join of greenlet 'main'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_infinite_sleep_with_nothing_else_alive_is_a_deadlock()
    {
        Assert.Throws<HubDeadlockException>(() => Run(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask()));
    }

    [Fact]
    public void Main_can_catch_the_deadlock_and_carry_on()
    {
        Assert.Equal("caught", Run(async () =>
        {
            try
            {
                await Green.Sleep(Timeout.InfiniteTimeSpan);
                return "not reached";
            }
            catch (HubDeadlockException)
            {
                return "caught";
            }
        }));
    }

    [Fact]
    public void A_wait_that_a_timer_a_token_or_a_thread_can_end_is_not_a_deadlock()
    {
        Run(async () =>
        {
            // A timeout will wake it.
            Greenlet sleeper = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask());
            Assert.False(await sleeper.JoinAsync(TimeSpan.FromMilliseconds(5)));

            // A token another thread cancels will wake it.
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await sleeper.JoinAsync(null, cts.Token));

            // A foreign await (Task.Delay) can post back.
            Greenlet foreign = Green.Spawn(() => Task.Delay(20));
            await foreign.JoinAsync();

            // A blocking call will post back.
            await Green.RunBlocking(() => Thread.Yield());
            await sleeper.KillAsync();
        });
    }

    [Fact]
    public void Detection_can_be_turned_off()
    {
        // With detection off the same program would hang; prove the option is read by letting a thread end it.
        Run(
            async () =>
            {
                Hub hub = Hub.Current!;
                Greenlet sleeper = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask());
                await Green.Yield();
                var t = new Thread(() =>
                {
                    // Post only once the hub sits idle in the reactor: with detection on it would have raised instead.
                    SpinWait.SpinUntil(() => hub.IsBlockedInReactor);
                    hub.Post(() => sleeper.KillAsync(block: false));
                });
                t.Start();
                await sleeper.JoinAsync();
                t.Join();
            },
            new HubOptions { DetectDeadlocks = false });
    }
}

public sealed class DeadlockTests_Epoll : DeadlockTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class DeadlockTests_Poll : DeadlockTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
