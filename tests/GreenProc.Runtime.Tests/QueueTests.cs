using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>Queues and channels. The interleavings asserted here are what gevent 22.10 prints for the same programs.</summary>
public abstract class QueueTests : HubTestBase
{
    [Fact]
    public void Workers_draining_a_shared_queue_with_a_yield_between_items_interleave_as_in_gevent()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var q = new GreenQueue<int>();
            for (int i = 0; i < 8; i++)
            {
                await q.PutAsync(i);
            }

            await Green.JoinAll("ABC".Select(n => Green.Spawn(async () =>
            {
                while (!q.IsEmpty)
                {
                    log.Add($"{n}:{await q.GetAsync()}");
                    await Green.Yield();
                }
            })), raiseError: true);
        });

        Assert.Equal("A:0 B:1 C:2 A:3 B:4 C:5 A:6 B:7", string.Join(" ", log));
    }

    [Fact]
    public void A_boss_filling_a_bounded_queue_while_workers_drain_it_interleaves_as_in_gevent()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var q = new GreenQueue<int?>(2);
            Greenlet boss = Green.Spawn(async () =>
            {
                for (int i = 0; i < 6; i++)
                {
                    await q.PutAsync(i);
                    log.Add($"put {i}");
                }

                await q.PutAsync(null);
                await q.PutAsync(null);
                log.Add("boss done");
            });
            Greenlet Worker(string name) => Green.Spawn(async () =>
            {
                while (await q.GetAsync() is int item)
                {
                    log.Add($"{name} got {item}");
                    await Green.Yield();
                }

                log.Add($"{name} done");
            });
            await Green.JoinAll([boss, Worker("A"), Worker("B")], raiseError: true);
        });

        Assert.Equal("put 0 put 1 A got 0 B got 1 put 2 put 3 A got 2 B got 3 put 4 put 5 A got 4 B got 5 boss done A done B done", string.Join(" ", log));
    }

    [Fact]
    public void A_channel_hands_over_each_item_getter_first_as_in_gevent()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var ch = new GreenChannel<int>();
            Greenlet producer = Green.Spawn(async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    log.Add($"offer {i}");
                    await ch.PutAsync(i);
                    log.Add($"taken {i}");
                }
            });
            Greenlet consumer = Green.Spawn(async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    log.Add($"got {await ch.GetAsync()}");
                }
            });
            await Green.JoinAll([producer, consumer], raiseError: true);
        });

        Assert.Equal("offer 0 got 0 taken 0 offer 1 got 1 taken 1 offer 2 got 2 taken 2", string.Join(" ", log));
    }

    [Fact]
    public void Blocked_getters_wake_in_order_after_the_putter_switches_as_in_gevent()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var q = new GreenQueue<int>();
            var gs = "xyz".Select(n => Green.Spawn(async () => log.Add($"{n}={await q.GetAsync()}"))).ToList();
            gs.Add(Green.Spawn(async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    await q.PutAsync(i);
                }

                log.Add("putter done");
            }));
            await Green.JoinAll(gs, raiseError: true);
        });

        Assert.Equal("putter done x=0 y=1 z=2", string.Join(" ", log));
    }

    [Fact]
    public void A_getter_that_times_out_never_swallows_an_item()
    {
        Run(async () =>
        {
            var q = new GreenQueue<string>();
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await q.GetAsync(TimeSpan.FromMilliseconds(5)));
            Assert.Contains("timeout argument", e.Message, StringComparison.Ordinal);
            Assert.Equal(0, q.GetterCount);
            await q.PutAsync("kept");
            Assert.True(q.TryGet(out string? item));
            Assert.Equal("kept", item);
            Assert.False(q.TryGet(out _));
        });
    }

    [Fact]
    public void A_getter_killed_while_waiting_never_takes_the_next_item()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var q = new GreenQueue<int>();
            Greenlet first = Green.Spawn(async () => log.Add($"first {await q.GetAsync()}"));
            Greenlet second = Green.Spawn(async () => log.Add($"second {await q.GetAsync()}"));
            await Green.Yield();
            await first.KillAsync(block: false); // delivered before the unlock that the put below queues
            await q.PutAsync(1);
            await Green.JoinAll([first, second]);
            Assert.True(first.Killed);
        });

        Assert.Equal(["second 1"], log);
    }

    [Fact]
    public void A_bounded_put_blocks_until_a_get_makes_room_and_times_out_without_adding()
    {
        Run(async () =>
        {
            var q = new GreenQueue<int>(1);
            Assert.True(q.TryPut(1));
            Assert.True(q.IsFull);
            Assert.False(q.TryPut(2));
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await q.PutAsync(2, TimeSpan.FromMilliseconds(5)));
            Assert.Equal(1, q.Count);
            Assert.Equal(0, q.PutterCount);

            bool put = false;
            Greenlet putter = Green.Spawn(async () =>
            {
                await q.PutAsync(3);
                put = true;
            });
            await Green.Yield();
            Assert.False(put);
            Assert.Equal(1, await q.GetAsync());
            await putter;
            Assert.True(put);
            Assert.Equal(3, await q.GetAsync());
        });
    }

    [Fact]
    public void Peek_does_not_remove_and_waits_for_an_item()
    {
        Run(async () =>
        {
            var q = new GreenQueue<string>();
            Greenlet<string> peeker = Green.Spawn(async () => await q.PeekAsync());
            await Green.Yield();
            await q.PutAsync("a");
            Assert.Equal("a", await peeker);
            Assert.True(q.TryPeek(out string? top));
            Assert.Equal("a", top);
            Assert.Equal(1, q.Count);
        });
    }

    [Fact]
    public void Lifo_and_priority_queues_order_their_items()
    {
        Run(async () =>
        {
            var lifo = new GreenLifoQueue<int>();
            var prio = new GreenPriorityQueue<(int Priority, string Name)>();
            foreach (int i in new[] { 3, 1, 2 })
            {
                await lifo.PutAsync(i);
                await prio.PutAsync((i, "p" + i));
            }

            await prio.PutAsync((1, "p1-second"));
            var fromLifo = new List<int>();
            var fromPrio = new List<string>();
            while (lifo.TryGet(out int i))
            {
                fromLifo.Add(i);
            }

            while (prio.TryGet(out (int Priority, string Name) p))
            {
                fromPrio.Add(p.Name);
            }

            Assert.Equal(new[] { 2, 1, 3 }, fromLifo);
            Assert.Equal(new[] { "p1", "p1-second", "p2", "p3" }, fromPrio);
        });
    }

    [Fact]
    public void A_joinable_queue_waits_until_every_item_is_done()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var q = new GreenJoinableQueue<int>();
            Assert.True(await q.JoinAsync(TimeSpan.Zero));
            for (int i = 0; i < 3; i++)
            {
                await q.PutAsync(i);
            }

            Assert.Equal(3, q.UnfinishedTasks);
            Assert.False(await q.JoinAsync(TimeSpan.Zero));

            Greenlet worker = Green.Spawn(async () =>
            {
                await foreach (int item in q)
                {
                    log.Add($"work {item}");
                    await Green.Yield();
                    q.TaskDone();
                }
            });
            Assert.True(await q.JoinAsync());
            log.Add("joined");
            Assert.Equal(0, q.UnfinishedTasks);
            Assert.Throws<InvalidOperationException>(() => q.TaskDone());
            await worker.KillAsync();
        });

        Assert.Equal(["work 0", "work 1", "work 2", "joined"], log);
    }

    [Fact]
    public void Bad_sizes_and_outer_timeouts_behave_as_documented()
    {
        Run(async () =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new GreenQueue<int>(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new GreenQueue<int>(-1));
            Assert.Null(new GreenQueue<int>().MaxSize);
            var q = new GreenQueue<int>();
            using GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMilliseconds(5));
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await q.GetAsync(TimeSpan.FromSeconds(30)));
            Assert.Same(scope, e.Timeout);
        });
    }

    [Fact]
    public void A_channel_put_or_get_times_out_and_the_try_forms_need_a_waiting_partner()
    {
        Run(async () =>
        {
            var ch = new GreenChannel<int>();
            Assert.False(ch.TryPut(1));
            Assert.False(ch.TryGet(out _));
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await ch.PutAsync(1, TimeSpan.FromMilliseconds(5)));
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await ch.GetAsync(TimeSpan.FromMilliseconds(5)));
            Assert.Equal(0, ch.Balance);

            Greenlet<int> getter = Green.Spawn(async () => await ch.GetAsync());
            await Green.Yield();
            Assert.Equal(-1, ch.Balance);
            Assert.True(ch.TryPut(7));
            Assert.Equal(7, await getter);

            Greenlet putter = Green.Spawn(async () => await ch.PutAsync(8));
            await Green.Yield();
            Assert.True(ch.TryGet(out int got));
            Assert.Equal(8, got);
            await putter;
        });
    }
}

public sealed class QueueTests_Epoll : QueueTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class QueueTests_Poll : QueueTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
