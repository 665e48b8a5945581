using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class EventTests : HubTestBase
{
    [Fact]
    public void Set_wakes_every_waiter_in_order_after_the_setter_switches_even_if_cleared_at_once()
    {
        // The same program under gevent 22.10 prints exactly this (../shared: python3-gevent).
        var log = new List<string>();
        Run(async () =>
        {
            var ev = new GreenEvent();
            var gs = Enumerable.Range(0, 3).Select(i => Green.Spawn(async () =>
            {
                log.Add($"wait {i}");
                log.Add($"woke {i} {await ev.WaitAsync()}");
            })).ToList();
            gs.Add(Green.Spawn(() =>
            {
                log.Add("set");
                ev.Set();
                ev.Clear();
                log.Add("cleared");
                return Task.CompletedTask;
            }));
            await Green.JoinAll(gs);
            Assert.False(ev.IsSet);
        });

        Assert.Equal("wait 0 wait 1 wait 2 set cleared woke 0 True woke 1 True woke 2 True", string.Join(" ", log));
    }

    [Fact]
    public void Waiting_on_a_set_event_returns_at_once_without_switching()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var ev = new GreenEvent(set: true);
            Greenlet other = Green.Spawn(() =>
            {
                log.Add("other");
                return Task.CompletedTask;
            });
            Assert.True(await ev.WaitAsync());
            log.Add("main");
            await other;
        });

        Assert.Equal(["main", "other"], log);
    }

    [Fact]
    public void A_wait_that_times_out_returns_false_and_leaves_the_queue()
    {
        Run(async () =>
        {
            var ev = new GreenEvent();
            Assert.False(await ev.WaitAsync(TimeSpan.FromMilliseconds(5)));
            Assert.Equal(0, ev.WaiterCount);
            ev.Set();
            Assert.True(await ev.WaitAsync(TimeSpan.FromMilliseconds(5)));
        });
    }

    [Fact]
    public void An_outer_scope_passes_through_a_wait_and_a_token_cancels_it()
    {
        Run(async () =>
        {
            var ev = new GreenEvent();
            using (GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(5)))
            {
                var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await ev.WaitAsync(TimeSpan.FromSeconds(30)));
                Assert.Same(scope, e.Timeout);
            }

            using var cts = new CancellationTokenSource();
            Greenlet canceller = Green.Spawn(() =>
            {
                cts.Cancel();
                return Task.CompletedTask;
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ev.WaitAsync(null, cts.Token));
            Assert.Equal(0, ev.WaiterCount);
            await canceller;
        });
    }

    [Fact]
    public void An_event_belongs_to_the_hub_that_first_waited_on_it()
    {
        var ev = new GreenEvent();
        Run(async () => Assert.False(await ev.WaitAsync(TimeSpan.Zero)));
        Run(() =>
        {
            Assert.Throws<InvalidOperationException>(() => ev.WaitAsync());
            return Task.CompletedTask;
        });
    }

    [Fact]
    public void An_async_result_delivers_its_value_or_error_once()
    {
        Run(async () =>
        {
            var result = new GreenAsyncResult<int>();
            Greenlet<int> getter = Green.Spawn(async () => await result);
            await Green.Yield();
            result.Set(5);
            Assert.Equal(5, await getter);
            Assert.True(result.IsSuccessful);
            Assert.Equal(5, result.Value);
            Assert.Throws<InvalidOperationException>(() => result.Set(6));
            Assert.False(result.TrySetException(new FormatException()));

            var failed = new GreenAsyncResult<string>();
            Greenlet<bool> waiter = Green.Spawn(async () => await failed.WaitAsync());
            await Green.Yield();
            failed.SetException(new FormatException("bad"));
            Assert.True(await waiter); // WaitAsync never raises the stored error
            await Assert.ThrowsAsync<FormatException>(async () => await failed.GetAsync());
            Assert.False(failed.IsSuccessful);
            Assert.Throws<ArgumentNullException>(() => failed.TrySetException(null!));
        });
    }

    [Fact]
    public void An_async_result_times_out_and_can_receive_a_greenlets_outcome_through_a_link()
    {
        Run(async () =>
        {
            var pending = new GreenAsyncResult<int>();
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await pending.GetAsync(TimeSpan.FromMilliseconds(5)));
            Assert.False(await pending.WaitAsync(TimeSpan.FromMilliseconds(1)));

            var ok = new GreenAsyncResult<int>();
            Green.Spawn(() => Task.FromResult(42)).Link(ok);
            Assert.Equal(42, await ok.GetAsync(TimeSpan.FromSeconds(5)));

            var bad = new GreenAsyncResult<int>();
            Green.Spawn<int>(() => throw new FormatException("from greenlet")).Link(bad);
            var e = await Assert.ThrowsAsync<FormatException>(async () => await bad.GetAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal("from greenlet", e.Message);
        });

        Assert.Single(Reported); // the failing greenlet
    }
}

public sealed class EventTests_Epoll : EventTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class EventTests_Poll : EventTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
