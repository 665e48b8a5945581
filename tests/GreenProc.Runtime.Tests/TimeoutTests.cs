using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class TimeoutTests : HubTestBase
{
    [Fact]
    public void A_scope_raises_at_the_wait_and_names_itself()
    {
        Run(async () =>
        {
            using GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(5));
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await Green.Sleep(TimeSpan.FromSeconds(30)));
            Assert.Same(scope, e.Timeout);
            Assert.True(scope.Expired);
            Assert.IsAssignableFrom<TimeoutException>(e);
            Assert.Contains("main", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_scope_left_before_its_deadline_never_fires()
    {
        Run(async () =>
        {
            using (GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(5)))
            {
                await Green.Yield();
                Assert.False(scope.Expired);
            }

            await Green.Sleep(TimeSpan.FromMilliseconds(20)); // the scope is gone: no exception here
        });
    }

    [Fact]
    public void The_inner_scope_that_fires_is_the_one_named()
    {
        Run(async () =>
        {
            using GreenTimeout outer = GreenTimeout.Start(TimeSpan.FromSeconds(30));
            using GreenTimeout inner = GreenTimeout.Start(TimeSpan.FromMilliseconds(5));
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await Green.Sleep(TimeSpan.FromSeconds(30)));
            Assert.Same(inner, e.Timeout);
            Assert.False(outer.Expired);
        });
    }

    [Fact]
    public void An_outer_timeout_passes_through_inner_scopes_and_timeout_arguments_unchanged()
    {
        Run(async () =>
        {
            using GreenTimeout outer = GreenTimeout.Start(TimeSpan.FromMilliseconds(10));
            Greenlet sleeper = Green.Spawn(() => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask());
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () =>
            {
                // The silent inner scope swallows only its own expiry.
                await GreenTimeout.RunSilentAsync(TimeSpan.FromSeconds(20), async () =>
                {
                    await sleeper.GetAsync(timeout: TimeSpan.FromSeconds(10));
                });
            });
            Assert.Same(outer, e.Timeout);
            await sleeper.KillAsync();
        });
    }

    [Fact]
    public void A_timeout_argument_raises_its_own_scope_not_an_outer_one()
    {
        Run(async () =>
        {
            using GreenTimeout outer = GreenTimeout.Start(TimeSpan.FromSeconds(30));
            Greenlet sleeper = Green.Spawn(() => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask());
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await sleeper.GetAsync(TimeSpan.FromMilliseconds(5)));
            Assert.NotSame(outer, e.Timeout);
            Assert.Same(Green.Current, e.Timeout.Greenlet);
            Assert.Contains("timeout argument", e.Message, StringComparison.Ordinal);
            await sleeper.KillAsync();
        });
    }

    [Fact]
    public void The_silent_variant_reports_false_and_true()
    {
        Run(async () =>
        {
            Assert.False(await GreenTimeout.RunSilentAsync(TimeSpan.FromMilliseconds(5), () => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask()));
            Assert.True(await GreenTimeout.RunSilentAsync(TimeSpan.FromSeconds(30), () => Green.Yield().AsTask()));
            Assert.Equal(-1, await Green.WithTimeout(TimeSpan.FromMilliseconds(5), async () =>
            {
                await Green.Sleep(TimeSpan.FromSeconds(30));
                return 1;
            }, -1));
            Assert.Equal(2, await Green.WithTimeout(TimeSpan.FromSeconds(30), () => Task.FromResult(2), -1));
            await Assert.ThrowsAsync<GreenTimeoutException>(() => Green.WithTimeout(TimeSpan.FromMilliseconds(5), () => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask()));
        });
    }

    [Fact]
    public void A_completion_ready_in_the_same_turn_beats_a_zero_timeout()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                SchedulingTests.WriteByte(w);

                // Both the fd and the deadline are ready at the first poll; I/O is handled before timeouts.
                await Green.WaitReadAsync(r, TimeSpan.Zero);
                using (GreenTimeout.Start(TimeSpan.Zero))
                {
                    await Green.WaitReadAsync(r);
                }
            }

            await Green.Sleep(TimeSpan.FromMilliseconds(2)); // the expired scope was left: nothing raised later
        });
    }

    [Fact]
    public void A_scope_that_fires_while_the_greenlet_is_outside_GreenProc_raises_at_its_next_wait()
    {
        Run(async () =>
        {
            using GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(1));
            await Task.Delay(30); // a foreign wait: not a switch point
            Assert.True(scope.Expired);
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await Green.Yield());
            Assert.Same(scope, e.Timeout);
            await Green.Yield(); // raised once only
        });
    }

    [Fact]
    public void A_scope_fires_once_and_an_infinite_scope_never()
    {
        Run(async () =>
        {
            using (GreenTimeout.Start(Timeout.InfiniteTimeSpan))
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(2));
            }

            using GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(2));
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await Green.Sleep(TimeSpan.FromSeconds(30)));
            await Green.Sleep(TimeSpan.FromMilliseconds(5));
        });
    }

    [Fact]
    public void Bad_timeouts_are_rejected()
    {
        Run(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => GreenTimeout.Start(TimeSpan.FromMilliseconds(-5)));
            Assert.Throws<ArgumentOutOfRangeException>(() => Green.WaitReadAsync(0, TimeSpan.FromMilliseconds(-5)));
            return Task.CompletedTask;
        });
    }

    [Fact]
    public void Each_greenlet_has_its_own_scopes()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet other = Green.Spawn(async () =>
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(30));
                log.Add("other finished");
            });
            using (GreenTimeout.Start(TimeSpan.FromMilliseconds(5)))
            {
                await Assert.ThrowsAsync<GreenTimeoutException>(async () => await other.JoinAsync());
            }

            await other;
            log.Add("main finished");
        });

        Assert.Equal(["other finished", "main finished"], log);
    }
}

public sealed class TimeoutTests_Epoll : TimeoutTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class TimeoutTests_Poll : TimeoutTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
