using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class GreenletTests : HubTestBase
{
    [Fact]
    public void A_typed_greenlet_returns_its_value_through_await_GetAsync_and_Value()
    {
        Run(async () =>
        {
            Greenlet<int> g = Green.Spawn(async () =>
            {
                await Green.Yield();
                return 7;
            });
            Assert.Equal(0, g.Value);
            Assert.Equal(7, await g);
            Assert.Equal(7, await g.GetAsync());
            Assert.Equal(7, g.Value);
            Assert.True(g.IsReady);
            Assert.True(g.IsSuccessful);
            Assert.False(g.IsAlive);
            Assert.Null(g.Exception);
        });
    }

    [Fact]
    public void States_follow_the_lifecycle()
    {
        Run(async () =>
        {
            var g = new Greenlet(() => Green.Yield().AsTask(), "g");
            Assert.False(g.Started);
            Assert.False(g.IsAlive);
            g.Start();
            Assert.True(g.Started);
            Assert.False(g.IsAlive);
            Assert.False(g.IsReady);
            await Green.Yield();
            Assert.True(g.IsAlive);
            await g.JoinAsync();
            Assert.True(g.Started);
            Assert.True(g.IsReady);
            Assert.False(g.IsAlive);
            Assert.Throws<InvalidOperationException>(() => g.Start());
        });
    }

    [Fact]
    public void An_error_stays_in_the_greenlet_is_reported_once_and_raised_by_GetAsync_not_JoinAsync()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(async () =>
            {
                await Green.Yield();
                throw new FormatException("boom");
            }, "failing");
            Assert.True(await g.JoinAsync());
            Assert.False(g.IsSuccessful);
            Assert.IsType<FormatException>(g.Exception);
            await Assert.ThrowsAsync<FormatException>(async () => await g.GetAsync());
            await Assert.ThrowsAsync<FormatException>(async () => await g);
        });

        (Greenlet? who, Exception error) = Assert.Single(Reported);
        Assert.Equal("failing", who!.Name);
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public void A_synchronous_throw_in_the_body_is_kept_like_an_async_one()
    {
        Run(async () =>
        {
            Greenlet<int> g = Green.Spawn<int>(() => throw new InvalidTimeZoneException("sync"));
            await g.JoinAsync();
            Assert.IsType<InvalidTimeZoneException>(g.Exception);
        });

        Assert.Single(Reported);
    }

    [Fact]
    public void JoinAsync_with_a_timeout_returns_false_and_GetAsync_raises_GreenTimeoutException()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask());
            Assert.False(await g.JoinAsync(TimeSpan.FromMilliseconds(5)));
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await g.GetAsync(TimeSpan.FromMilliseconds(5)));
            Assert.Equal(TimeSpan.FromMilliseconds(5), e.Timeout.Duration);
            Assert.True(e.Timeout.Expired);
            await g.KillAsync();
        });
    }

    [Fact]
    public void A_greenlet_cannot_join_itself()
    {
        Run(async () =>
        {
            Greenlet? self = null;
            Greenlet g = Green.Spawn(async () =>
            {
                await Assert.ThrowsAsync<InvalidOperationException>(async () => await self!.JoinAsync());
            });
            self = g;
            await g; // rethrows an assertion failure
        });
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Run(async () =>
        {
            Assert.Throws<ArgumentNullException>(() => Green.Spawn(null!));
            Assert.Throws<ArgumentNullException>(() => new Greenlet<int>(null!));
            Greenlet g = Green.Spawn(() => Task.CompletedTask);
            Assert.Throws<ArgumentNullException>(() => g.Link(null!));
            Assert.Throws<ArgumentOutOfRangeException>(() => g.JoinAsync(TimeSpan.FromSeconds(-2)));
            Assert.Throws<ArgumentOutOfRangeException>(() => Green.SpawnLater(TimeSpan.FromSeconds(-1), () => Task.CompletedTask));
            await g;
        });
    }

    [Fact]
    public void A_thousand_links_fire_in_the_order_they_were_added()
    {
        var fired = new List<int>();
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Green.Yield().AsTask());
            for (int i = 0; i < 1000; i++)
            {
                int n = i;
                g.Link(_ => fired.Add(n));
            }

            await g;
            await Green.Yield(); // links run from one callback queued when the greenlet died
        });

        Assert.Equal(Enumerable.Range(0, 1000), fired);
    }

    [Fact]
    public void Links_run_after_the_greenlet_finishes_not_inline_at_its_end()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() =>
            {
                log.Add("body");
                return Task.CompletedTask;
            });
            g.Link(_ => log.Add("link"));
            Greenlet other = Green.Spawn(() =>
            {
                log.Add("other");
                return Task.CompletedTask;
            });
            await Green.JoinAll([g, other]);
            await Green.Yield();
        });

        Assert.Equal(["body", "other", "link"], log);
    }

    [Fact]
    public void LinkValue_and_LinkException_fire_only_for_their_outcome()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet ok = Green.Spawn(() => Task.CompletedTask);
            Greenlet bad = Green.Spawn(() => Task.FromException(new FormatException()));
            foreach (Greenlet g in new[] { ok, bad })
            {
                string name = g == ok ? "ok" : "bad";
                g.LinkValue(_ => log.Add(name + ":value"));
                g.LinkException(_ => log.Add(name + ":exception"));
            }

            await Green.JoinAll([ok, bad]);
            await Green.Yield();
        });

        Assert.Equal(["ok:value", "bad:exception"], log);
    }

    [Fact]
    public void Unlink_removes_a_link_and_a_link_added_after_death_still_fires()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Task.CompletedTask);
            Action<Greenlet> removed = _ => log.Add("removed");
            g.Link(removed);
            Assert.True(g.Unlink(removed));
            Assert.False(g.Unlink(removed));
            await g;
            g.Link(_ => log.Add("late"));
            Assert.Empty(log); // not inline: queued
            await Green.Yield();
        });

        Assert.Equal(["late"], log);
    }

    [Fact]
    public void A_link_that_unlinks_a_later_link_stops_it_as_in_gevent()
    {
        // gevent 22.10 (pops each link off the list just before calling it, so earlier links can remove later ones):
        //   a(g): out.append(g.value); g.unlink(b)    b(g): out.append(g.value)
        //   g = gevent.spawn(lambda: 5); g.link(a); g.link(b); g.join()  -> [5]
        //   c(g): out.append("c"); g.unlink(c); g.link(lambda g: out.append("added"))    d(g): out.append("d")
        //   h.link(c); h.link(d)  -> ['c', 'd', 'added']
        var values = new List<int>();
        var log = new List<string>();
        bool unlinkedLater = false, unlinkedSelf = true;
        Run(async () =>
        {
            Greenlet<int> g = Green.Spawn(() => Task.FromResult(5));
            Action<Greenlet> b = x => values.Add(((Greenlet<int>)x).Value);
            g.Link(x =>
            {
                values.Add(((Greenlet<int>)x).Value);
                unlinkedLater = x.Unlink(b); // b is due but has not run: it must be found and never run
            });
            g.Link(b);

            Greenlet<int> h = Green.Spawn(() => Task.FromResult(1));
            Action<Greenlet>? c = null;
            c = x =>
            {
                log.Add("c");
                unlinkedSelf = x.Unlink(c!); // c is already running: nothing left to remove
                x.Link(_ => log.Add("added"));
            };
            h.Link(c);
            h.Link(_ => log.Add("d"));
            await Green.JoinAll([g, h]);
            await Green.Yield();
        });

        Assert.Equal([5], values);
        Assert.True(unlinkedLater);
        Assert.Equal(["c", "d", "added"], log);
        Assert.False(unlinkedSelf);
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_link_that_throws_is_reported_and_later_links_still_fire()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Task.CompletedTask);
            g.Link(_ => throw new FormatException("bad link"));
            g.Link(_ => log.Add("second"));
            await g;
            await Green.Yield();
        });

        Assert.Equal(["second"], log);
        (Greenlet? who, Exception error) = Assert.Single(Reported);
        Assert.Null(who);
        Assert.Equal("bad link", error.Message);
    }

    [Fact]
    public void JoinAll_returns_in_completion_order_and_raiseError_raises_the_first_failure()
    {
        Run(async () =>
        {
            Greenlet slow = Green.Spawn(() => Green.Sleep(TimeSpan.FromMilliseconds(20)).AsTask(), "slow");
            Greenlet fast = Green.Spawn(() => Green.Yield().AsTask(), "fast");
            IReadOnlyList<Greenlet> done = await Green.JoinAll([slow, fast]);
            Assert.Equal([fast, slow], done);

            Greenlet fails = Green.Spawn(async () =>
            {
                await Green.Yield();
                throw new FormatException("first");
            });
            Greenlet sleeps = Green.Spawn(() => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask());
            await Assert.ThrowsAsync<FormatException>(async () => await Green.JoinAll([sleeps, fails], raiseError: true));
            Assert.False(sleeps.IsReady);
            await sleeps.KillAsync();
        });
    }

    [Fact]
    public void Wait_returns_what_finished_within_the_timeout_or_the_count()
    {
        Run(async () =>
        {
            Greenlet quick = Green.Spawn(() => Green.Yield().AsTask());
            Greenlet never = Green.Spawn(() => Green.Sleep(TimeSpan.FromSeconds(30)).AsTask());
            IReadOnlyList<Greenlet> done = await Green.Wait([quick, never], TimeSpan.FromMilliseconds(20));
            Assert.Equal([quick], done);
            Assert.Equal([quick], await Green.Wait([never, quick], count: 1));
            Assert.Empty(await Green.Wait([never], count: 0));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Green.Wait([never], count: -1));
            await never.KillAsync();
        });
    }

    [Fact]
    public void IWait_yields_finished_greenlets_first_then_the_rest_as_they_finish()
    {
        // c and a finish while the iteration runs, in an order the loop body sets (c's gate opens when b is yielded,
        // a's when c is): completion order by construction, not by which of two sleeps the clock ends first.
        var names = new List<string>();
        Run(async () =>
        {
            var gateA = new GreenEvent();
            var gateC = new GreenEvent();
            Greenlet a = Green.Spawn(() => gateA.WaitAsync().AsTask(), "a");
            Greenlet b = Green.Spawn(() => Task.CompletedTask, "b");
            Greenlet c = Green.Spawn(() => gateC.WaitAsync().AsTask(), "c");
            await b;
            await foreach (Greenlet g in Green.IWait([a, b, c]))
            {
                names.Add(g.Name);
                (g == b ? gateC : gateA).Set();
            }
        });

        Assert.Equal(["b", "c", "a"], names);
    }

    [Fact]
    public void Greenlets_are_named_and_numbered()
    {
        Run(async () =>
        {
            Greenlet a = Green.Spawn(() => Task.CompletedTask);
            Greenlet b = Green.Spawn(() => Task.CompletedTask, "worker");
            Assert.StartsWith("Greenlet-", a.Name, StringComparison.Ordinal);
            Assert.Equal("worker", b.Name);
            Assert.NotEqual(a.Id, b.Id);
            Assert.Contains("worker", b.ToString(), StringComparison.Ordinal);
            await Green.JoinAll([a, b]);
        });
    }

    [Fact]
    public void Ten_thousand_greenlets_spawn_and_join()
    {
        int ran = 0;
        Run(async () =>
        {
            var gs = new List<Greenlet>();
            for (int i = 0; i < 10_000; i++)
            {
                gs.Add(Green.Spawn(async () =>
                {
                    await Green.Yield();
                    ran++;
                }));
            }

            IReadOnlyList<Greenlet> done = await Green.JoinAll(gs);
            Assert.Equal(10_000, done.Count);
        });

        Assert.Equal(10_000, ran);
    }
}

public sealed class GreenletTests_Epoll : GreenletTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class GreenletTests_Poll : GreenletTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
