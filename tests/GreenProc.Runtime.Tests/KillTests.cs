using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class KillTests : HubTestBase
{
    public enum Stage
    {
        Unstarted,
        Started,
        Delayed,
        Running,
    }

    public static TheoryData<Stage, bool> Matrix()
    {
        var data = new TheoryData<Stage, bool>();
        foreach (Stage s in Enum.GetValues<Stage>())
        {
            data.Add(s, true);
            data.Add(s, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Kill_matrix_the_greenlet_dies_successfully_and_its_links_fire(Stage stage, bool block)
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet g = new(async () =>
            {
                log.Add("ran");
                try
                {
                    await Green.Sleep(TimeSpan.FromSeconds(30));
                    log.Add("slept");
                }
                finally
                {
                    log.Add("finally");
                }
            }, "victim");
            g.Link(x => log.Add("link killed=" + x.Killed));
            switch (stage)
            {
                case Stage.Started:
                    g.Start();
                    break;
                case Stage.Delayed:
                    g.StartLater(TimeSpan.FromMilliseconds(1));
                    break;
                case Stage.Running:
                    g.Start();
                    await Green.Yield(); // it runs to its sleep
                    Assert.True(g.IsAlive);
                    break;
            }

            await g.KillAsync(block: block);
            if (block || stage != Stage.Running)
            {
                Assert.True(g.IsReady); // blocking waits for death; an unstarted greenlet dies at once
            }
            else
            {
                Assert.False(g.IsReady); // the GreenletExit is delivered at the next loop turn
            }

            await g.JoinAsync();
            Assert.True(g.IsSuccessful);
            Assert.True(g.Killed);
            Assert.Null(g.Exception);
            await Green.Sleep(TimeSpan.FromMilliseconds(5)); // a delayed start must not fire later
            await Green.Yield();
        });

        string[] expected = stage == Stage.Running
            ? ["ran", "finally", "link killed=True"]
            : ["link killed=True"]; // never runs, links still fire
        Assert.Equal(expected, log);
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_kill_raises_in_the_parked_greenlet_when_it_is_delivered_as_in_gevent()
    {
        // gevent 22.10: victim: try: ev.wait() except GreenletExit: out.append("killed"); raise. other: three times
        // out.append("o%d" % i); gevent.sleep(0). main: spawn both, gevent.sleep(0), g.kill(block=False),
        // out.append("after kill"), gevent.sleep(0), out.append("main resumed"), joinall -> the kill's callback throws
        // into the victim at once: "o0 after kill o1 killed main resumed o2".
        var log = new List<string>();
        Run(async () =>
        {
            var ev = new GreenEvent();
            Greenlet victim = Green.Spawn(async () =>
            {
                try
                {
                    await ev.WaitAsync();
                }
                catch (GreenletExit)
                {
                    log.Add("killed");
                    throw;
                }
            });
            Greenlet other = Green.Spawn(async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    log.Add($"o{i}");
                    await Green.Sleep(TimeSpan.Zero);
                }
            });
            await Green.Sleep(TimeSpan.Zero);
            await victim.KillAsync(block: false);
            log.Add("after kill");
            await Green.Sleep(TimeSpan.Zero);
            log.Add("main resumed");
            await Green.JoinAll([victim, other]);
            Assert.True(victim.Killed);
        });

        Assert.Equal("o0 after kill o1 killed main resumed o2", string.Join(" ", log));
    }

    [Fact]
    public void Kill_never_raises_to_the_caller_and_may_be_repeated()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask());
            await Green.Yield();
            await g.KillAsync(block: false);
            await g.KillAsync(block: false);
            await g.KillAsync();
            await g.KillAsync();
            Assert.True(g.Killed);
        });
    }

    [Fact]
    public void Kill_with_a_custom_exception_fails_the_greenlet_and_is_reported()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask(), "victim");
            await Green.Yield();
            await g.KillAsync(new FormatException("custom"));
            Assert.False(g.IsSuccessful);
            Assert.False(g.Killed);
            Assert.IsType<FormatException>(g.Exception);
        });

        Assert.Equal("custom", Assert.Single(Reported).Error.Message);
    }

    [Fact]
    public void Kill_with_a_timeout_returns_while_the_victim_is_still_cleaning_up()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(async () =>
            {
                try
                {
                    await Green.Sleep(TimeSpan.FromSeconds(30));
                }
                catch (GreenletExit)
                {
                    await Green.Sleep(Timeout.InfiniteTimeSpan); // a cleanup that never ends by itself
                    throw;
                }
            });
            await Green.Yield();
            await g.KillAsync(timeout: TimeSpan.FromMilliseconds(10));
            Assert.False(g.IsReady);
            await g.KillAsync(); // the second kill interrupts the cleanup
            Assert.True(g.Killed);
        });
    }

    [Fact]
    public void A_greenlet_that_kills_itself_leaves_through_the_kill_call()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet? self = null;
            self = Green.Spawn(async () =>
            {
                await Green.Yield();
                await self!.KillAsync();
                log.Add("not reached");
            });
            await self;
            Assert.True(self.Killed);
        });

        Assert.Empty(log);
    }

    [Fact]
    public void A_greenlet_killed_while_awaiting_a_foreign_task_dies_at_its_next_switch_point()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var gate = new TaskCompletionSource();
            Greenlet g = Green.Spawn(async () =>
            {
                await gate.Task; // not a GreenProc wait: the kill cannot interrupt it
                log.Add("after foreign await");
                await Green.Yield(); // the switch point where GreenletExit is raised
                log.Add("not reached");
            });
            await Green.Yield();
            await g.KillAsync(block: false);
            await Green.Yield();
            Assert.False(g.IsReady);
            gate.SetResult();
            await g.JoinAsync();
            Assert.True(g.Killed);
        });

        Assert.Equal(["after foreign await"], log);
    }

    [Fact]
    public void A_greenlet_woken_but_not_yet_resumed_gets_the_kill_at_that_switch_point()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet finishing = Green.Spawn(() => Green.Yield().AsTask(), "finishing");
            Greenlet target = Green.Spawn(async () =>
            {
                await finishing.JoinAsync();
                log.Add("resumed normally");
            }, "target");
            await Green.Yield(); // finishing yields once, target parks on the join
            await Green.Yield(); // finishing ends: its link notification is queued
            Assert.True(finishing.IsReady);

            // Queued behind the notification: the notification wakes target first, then the kill lands while
            // target's continuation is still queued, and is raised when target resumes.
            await target.KillAsync(block: false);
            await target.JoinAsync();
            Assert.True(target.Killed);
        });

        Assert.Empty(log);
    }

    [Fact]
    public void Killing_a_dead_greenlet_does_nothing()
    {
        Run(async () =>
        {
            Greenlet<int> g = Green.Spawn(() => Task.FromResult(3));
            await g;
            await g.KillAsync();
            Assert.False(g.Killed);
            Assert.Equal(3, g.Value);
        });
    }

    [Fact]
    public void A_greenlet_killed_before_start_never_runs_even_if_its_start_was_queued()
    {
        bool ran = false;
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() =>
            {
                ran = true;
                return Task.CompletedTask;
            });
            await g.KillAsync(block: false);
            Assert.True(g.IsReady);
            await Green.Yield();
            await Green.Yield();
        });

        Assert.False(ran);
    }
}

public sealed class KillTests_Epoll : KillTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class KillTests_Poll : KillTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
