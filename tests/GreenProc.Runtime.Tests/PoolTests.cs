using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>Pools and groups; the interleavings asserted here are what gevent 22.10 prints for the same programs.</summary>
public abstract class PoolTests : HubTestBase
{
    // How many times worker x yields (gevent.sleep(0)): the completion order is set by scheduling alone, not by a
    // race of wall-clock sleeps (with sleeps of 210/120/30/150/15 ms a stalled hub could reorder them).
    private static readonly int[] Yields = [21, 12, 3, 15, 1];

    private static async Task<int> Work(int x)
    {
        for (int i = 0; i < Yields[x]; i++)
        {
            await Green.Sleep(TimeSpan.Zero);
        }

        return x;
    }

    [Fact]
    public void Ordered_and_unordered_imap_over_greenlets_that_finish_at_different_times_match_gevent()
    {
        // gevent 22.10, Pool(3), work(x): K[x] times gevent.sleep(0), return x, K = [21, 12, 3, 15, 1]:
        // imap -> [0, 1, 2, 3, 4], imap_unordered -> [2, 1, 4, 0, 3], map -> [0, 1, 2, 3, 4].
        var ordered = new List<int>();
        var unordered = new List<int>();
        Run(async () =>
        {
            var pool = new GreenPool(3);
            await foreach (int r in pool.Imap<int, int>(Work, Enumerable.Range(0, 5)))
            {
                ordered.Add(r);
            }

            await foreach (int r in pool.ImapUnordered<int, int>(Work, Enumerable.Range(0, 5)))
            {
                unordered.Add(r);
            }

            Assert.Equal(Enumerable.Range(0, 5), await pool.MapAsync<int, int>(Work, Enumerable.Range(0, 5)));
        });

        Assert.Equal([0, 1, 2, 3, 4], ordered);
        Assert.Equal([2, 1, 4, 0, 3], unordered);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Imap_hands_each_result_to_the_consumer_in_the_same_step_as_gevent(bool ordered)
    {
        // gevent 22.10, Pool(2), workers: out.append("start%d" % i); gevent.sleep(0); out.append("end%d" % i); return i
        //   for r in pool.imap(work, range(6)): out.append("got%d" % r)    (imap_unordered prints the same)
        const string Gevent = "start0 start1 end0 end1 got0 got1 start2 start3 end2 end3 got2 got3 start4 start5 end4 end5 got4 got5";
        var log = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            IAsyncEnumerable<int> results = ordered ? pool.Imap<int, int>(Work, Enumerable.Range(0, 6)) : pool.ImapUnordered<int, int>(Work, Enumerable.Range(0, 6));
            await foreach (int r in results)
            {
                log.Add($"got{r}");
            }

            async Task<int> Work(int i)
            {
                log.Add($"start{i}");
                await Green.Sleep(TimeSpan.Zero);
                log.Add($"end{i}");
                return i;
            }
        });

        string printed = string.Join(" ", log);
        Assert.True(printed == Gevent, $"GreenProc printed: {printed}");
    }

    [Theory]
    [InlineData(true, "s0 s1 e1 s2 e2 e0 s3 e3 got0 got1 got2 got3 s4 s5 e5 s6 e4 got4 got5 e6 got6")]
    [InlineData(false, "s0 s1 e1 s2 got1 e2 e0 s3 e3 got2 got0 got3 s4 s5 e5 s6 e4 got5 got4 e6 got6")]
    public void Imap_results_that_finish_out_of_order_reach_the_consumer_as_in_gevent(bool ordered, string gevent)
    {
        // gevent 22.10, Pool(3), K = [3, 0, 2, 0, 1, 0, 2]; worker i: out.append("s%d" % i); K[i] times gevent.sleep(0);
        // out.append("e%d" % i); return i. The consumer: for r in pool.imap(work, range(7)) (or imap_unordered): "got%d".
        int[] k = [3, 0, 2, 0, 1, 0, 2];
        var log = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(3);
            IAsyncEnumerable<int> results = ordered ? pool.Imap<int, int>(Work, Enumerable.Range(0, k.Length)) : pool.ImapUnordered<int, int>(Work, Enumerable.Range(0, k.Length));
            await foreach (int r in results)
            {
                log.Add($"got{r}");
            }

            async Task<int> Work(int i)
            {
                log.Add($"s{i}");
                for (int n = 0; n < k[i]; n++)
                {
                    await Green.Sleep(TimeSpan.Zero);
                }

                log.Add($"e{i}");
                return i;
            }
        });

        string printed = string.Join(" ", log);
        Assert.True(printed == gevent, $"GreenProc printed: {printed}");
    }

    [Theory]
    [InlineData(true, "s0 s1 e0 e1 got0 got1 s2 e2 got2 raised items")]
    [InlineData(false, "s0 s1 e0 e1 got0 got1 raised items")]
    public void A_failing_item_sequence_is_raised_where_gevent_raises_it(bool ordered, string gevent)
    {
        // gevent 22.10, Pool(2); items() yields 0, 1, 2 and then raises ValueError("items"); worker i: "s%d", one
        // gevent.sleep(0), "e%d". An imap raises it after the last item's result (it is keyed at the next index), an
        // imap_unordered where it was queued: after the results that arrived before it.
        string printed = "";
        Run(async () =>
        {
            var log = new List<string>();
            var pool = new GreenPool(2);
            IAsyncEnumerable<int> results = ordered ? pool.Imap<int, int>(Work, Items()) : pool.ImapUnordered<int, int>(Work, Items());
            FormatException e = await Assert.ThrowsAsync<FormatException>(async () =>
            {
                await foreach (int r in results)
                {
                    log.Add($"got{r}");
                }
            });
            log.Add("raised " + e.Message);
            printed = string.Join(" ", log);
            await pool.JoinAsync();

            async Task<int> Work(int i)
            {
                log.Add($"s{i}");
                await Green.Sleep(TimeSpan.Zero);
                log.Add($"e{i}");
                return i;
            }
        });

        Assert.True(printed == gevent, $"GreenProc printed: {printed}");
        Assert.IsType<FormatException>(Assert.Single(Reported).Error); // the feeder's failure, as gevent's hub reports it

        static IEnumerable<int> Items()
        {
            for (int i = 0; i < 3; i++)
            {
                yield return i;
            }

            throw new FormatException("items");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MapAsync_and_a_collected_Imap_interleave_with_other_greenlets_as_gevent_map_does(bool map)
    {
        // gevent 22.10: ticker(): for n in range(14): out.append("t%d" % n); gevent.sleep(0); t = gevent.spawn(ticker);
        // Pool(2), worker i: "s%d", one gevent.sleep(0), "e%d"; r = pool.map(work, range(4)) (or list(pool.imap(...)));
        // out.append("done"). Both print the same.
        const string Gevent = "t0 t1 s0 s1 t2 e0 e1 t3 t4 t5 s2 s3 t6 e2 e3 t7 t8 done t9 t10 t11 t12 t13";
        var log = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            Greenlet ticker = Green.Spawn(async () =>
            {
                for (int n = 0; n < 14; n++)
                {
                    log.Add($"t{n}");
                    await Green.Sleep(TimeSpan.Zero);
                }
            });
            List<int> r;
            if (map)
            {
                r = await pool.MapAsync<int, int>(Work, Enumerable.Range(0, 4));
            }
            else
            {
                r = new List<int>();
                await foreach (int x in pool.Imap<int, int>(Work, Enumerable.Range(0, 4)))
                {
                    r.Add(x);
                }
            }

            Assert.Equal([0, 1, 2, 3], r);
            log.Add("done");
            await ticker;

            async Task<int> Work(int i)
            {
                log.Add($"s{i}");
                await Green.Sleep(TimeSpan.Zero);
                log.Add($"e{i}");
                return i;
            }
        });

        string printed = string.Join(" ", log);
        Assert.True(printed == Gevent, $"GreenProc printed: {printed}");
    }

    [Fact]
    public void Pool_members_interleave_as_in_gevent()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            for (int i = 0; i < 4; i++)
            {
                int n = i;
                await pool.SpawnAsync(async () =>
                {
                    log.Add($"s{n}");
                    await Green.Yield();
                    log.Add($"e{n}");
                });
            }

            Assert.True(await pool.JoinAsync());
        });

        Assert.Equal("s0 s1 e0 e1 s2 s3 e2 e3", string.Join(" ", log));
    }

    [Fact]
    public void The_pool_size_is_never_exceeded_under_ten_thousand_spawns()
    {
        int active = 0, max = 0, finished = 0;
        Run(async () =>
        {
            var pool = new GreenPool(10);
            for (int i = 0; i < 10_000; i++)
            {
                int n = i;
                await pool.SpawnAsync(async () =>
                {
                    max = Math.Max(max, ++active);
                    for (int k = 0; k < (n % 4) + 2; k++)
                    {
                        await Green.Yield();
                    }

                    active--;
                    finished++;
                });
                Assert.True(pool.Count <= 10);
            }

            await pool.JoinAsync(raiseError: true);
            Assert.Empty(pool);
            Assert.Equal(10, pool.Free);
        });

        Assert.Equal(10, max);
        Assert.Equal(10_000, finished);
    }

    [Fact]
    public void An_imap_error_surfaces_at_the_failing_items_position()
    {
        var got = new List<int>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            var e = await Assert.ThrowsAsync<FormatException>(async () =>
            {
                await foreach (int r in pool.Imap<int, int>(async x =>
                {
                    await Green.Yield();
                    return x == 3 ? throw new FormatException("item 3") : x;
                }, Enumerable.Range(0, 6)))
                {
                    got.Add(r);
                }
            });
            Assert.Equal("item 3", e.Message);
            await pool.JoinAsync();
        });

        Assert.Equal([0, 1, 2], got);
        Assert.Single(Reported); // the failing worker
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_imap_goes_on_after_a_failed_item_when_asked_again_as_in_gevent(bool ordered)
    {
        // gevent 22.10, Pool(2), worker: gevent.sleep(0); raise ValueError("item1") for 1, else return i; next(it) in a
        // loop that catches the error: imap and imap_unordered both give ['0', 'err item1', '2', '3', 'stop'].
        var seen = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            IAsyncEnumerable<int> results = ordered ? pool.Imap<int, int>(Work, Enumerable.Range(0, 4)) : pool.ImapUnordered<int, int>(Work, Enumerable.Range(0, 4));
            await using IAsyncEnumerator<int> e = results.GetAsyncEnumerator();
            while (true)
            {
                try
                {
                    if (!await e.MoveNextAsync())
                    {
                        seen.Add("stop");
                        break;
                    }

                    seen.Add(e.Current.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (FormatException error)
                {
                    seen.Add("err " + error.Message);
                }
            }

            static async Task<int> Work(int i)
            {
                await Green.Sleep(TimeSpan.Zero);
                return i == 1 ? throw new FormatException("item1") : i;
            }
        });

        Assert.Equal(["0", "err item1", "2", "3", "stop"], seen);
        Assert.Single(Reported); // the failed worker
    }

    [Fact]
    public void Cancelling_an_imap_raises_in_the_waiting_consumer_and_stops_the_feeder()
    {
        var got = new List<int>();
        Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            var pool = new GreenPool(1);
            var never = new GreenEvent();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (int r in pool.ImapUnordered<int, int>(async i =>
                {
                    if (i == 1)
                    {
                        cts.Cancel(); // the consumer waits for this item, the feeder for a slot: both are cancelled
                        await never.WaitAsync();
                    }

                    return i;
                }, Enumerable.Range(0, 5), cts.Token))
                {
                    got.Add(r);
                }
            });
            Greenlet second = Assert.Single(pool.ToList()); // the feeder spawned nothing after item 1
            Assert.False(second.IsReady);
            await pool.KillAsync();
        });

        Assert.Equal([0], got);
    }

    [Theory]
    [InlineData(true, "s0 s1 kill, len 2 k0 k1 kill returned, len 0 s2 e2 s3 e3 s4 e4 result [null, null, v2, v3, v4]")]
    [InlineData(false, "s0 s1 kill, len 2 k0 k1 kill returned, len 0 got null got null s2 e2 s3 e3 got v2 got v3 s4 e4 got v4 result [null, null, v2, v3, v4]")]
    public void Killing_a_pool_that_a_map_feeds_returns_with_the_pool_empty_and_the_map_goes_on_as_in_gevent(bool map, string gevent)
    {
        // gevent 22.10, Pool(2); worker i: "s%d", waits on a gate (an Event), "k%d" if killed there, else "e%d",
        // returns i. A mapper greenlet runs pool.map(work, range(5)) (or collects pool.imap, printing "got"); main
        // waits until 0 and 1 wait on the gate, prints "kill, len 2", pool.kill(), prints "kill returned, len 0",
        // sets the gate and joins the mapper. gevent's kill goes on until the group is empty; the map's feeder is not
        // a member and is not killed, so it goes on spawning the rest; killed items give GreenletExit() (here the
        // value's default, null). gevent kills in set order (k0/k1 vary between runs); GreenProc in joining order.
        var log = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            var gate = new GreenEvent();
            Greenlet mapper = Green.Spawn(async () =>
            {
                List<string?> r;
                if (map)
                {
                    r = await pool.MapAsync<int, string?>(Work, Enumerable.Range(0, 5));
                }
                else
                {
                    r = new List<string?>();
                    await foreach (string? x in pool.Imap<int, string?>(Work, Enumerable.Range(0, 5)))
                    {
                        log.Add($"got {x ?? "null"}");
                        r.Add(x);
                    }
                }

                log.Add($"result [{string.Join(", ", r.Select(x => x ?? "null"))}]");
            });
            while (log.Count < 2)
            {
                await Green.Yield();
            }

            log.Add($"kill, len {pool.Count}");
            await pool.KillAsync();
            log.Add($"kill returned, len {pool.Count}");
            gate.Set();
            await mapper;

            async Task<string?> Work(int i)
            {
                log.Add($"s{i}");
                try
                {
                    await gate.WaitAsync();
                }
                catch (GreenletExit)
                {
                    log.Add($"k{i}");
                    throw;
                }

                log.Add($"e{i}");
                return $"v{i}";
            }
        });

        string printed = string.Join(" ", log);
        Assert.True(printed == gevent, $"GreenProc printed: {printed}");
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_kill_goes_on_killing_what_a_map_spawns_into_the_slots_it_frees_until_the_pool_is_empty_as_in_gevent()
    {
        // gevent 22.10, Pool(2); worker i: "s%d", waits on a gate, "k%d" if killed there (1 then cleans up over three
        // gevent.sleep(0) and prints "c1"), else "e%d". A mapper collects pool.imap(work, range(6)); main waits until
        // 0 and 1 wait, prints "kill, len 2", pool.kill(), "kill returned, len 0", sets the gate, joins the mapper.
        // 0 dies at once and the feeder refills its slot while 1 cleans up: the kill kills the newcomers round after
        // round until the feeder has run out of items.
        const string Gevent = "s0 s1 kill, len 2 k0 k1 s2 c1 k2 s3 k3 s4 k4 s5 k5 kill returned, len 0 result [null, null, null, null, null, null]";
        var log = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            var gate = new GreenEvent();
            Greenlet mapper = Green.Spawn(async () =>
            {
                var r = new List<string?>();
                await foreach (string? x in pool.Imap<int, string?>(Work, Enumerable.Range(0, 6)))
                {
                    r.Add(x);
                }

                log.Add($"result [{string.Join(", ", r.Select(x => x ?? "null"))}]");
            });
            while (log.Count < 2)
            {
                await Green.Yield();
            }

            log.Add($"kill, len {pool.Count}");
            await pool.KillAsync();
            log.Add($"kill returned, len {pool.Count}");
            gate.Set();
            await mapper;

            async Task<string?> Work(int i)
            {
                log.Add($"s{i}");
                try
                {
                    await gate.WaitAsync();
                }
                catch (GreenletExit)
                {
                    log.Add($"k{i}");
                    if (i == 1)
                    {
                        for (int n = 0; n < 3; n++)
                        {
                            await Green.Sleep(TimeSpan.Zero);
                        }

                        log.Add("c1");
                    }

                    throw;
                }

                log.Add($"e{i}");
                return $"v{i}";
            }
        });

        string printed = string.Join(" ", log);
        Assert.True(printed == Gevent, $"GreenProc printed: {printed}");
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_kill_with_a_timeout_returns_quietly_and_a_blocking_kill_from_a_member_waits_for_the_others_only()
    {
        Run(async () =>
        {
            var group = new GreenGroup();
            var never = new GreenEvent();
            Greenlet stubborn = group.Spawn(async () =>
            {
                try
                {
                    await never.WaitAsync();
                }
                finally
                {
                    await Green.Sleep(TimeSpan.FromDays(1)); // cleans up for ever; killed once only (gevent's dying set)
                }
            });
            await Green.Yield();
            await group.KillAsync(timeout: TimeSpan.Zero);
            Assert.False(stubborn.IsReady);
            Assert.Same(stubborn, Assert.Single(group.ToList()));
            await group.KillAsync(block: false); // already dying: not interrupted again
            await Green.Yield();
            Assert.False(stubborn.IsReady);
            await stubborn.KillAsync(); // a direct kill still reaches it

            var peers = new GreenGroup();
            Greenlet other = peers.Spawn(() => never.WaitAsync().AsTask());
            Greenlet self = peers.Spawn(async () =>
            {
                await peers.KillAsync();
                Assert.Same(Green.Current, Assert.Single(peers.ToList()));
            });
            await self;
            Assert.True(other.Killed);
        });
    }

    [Fact]
    public void JoinAsync_resumes_before_a_map_refills_the_slot_the_last_member_freed_as_in_gevent()
    {
        // gevent 22.10, Pool(1); worker i: "s%d", gevent.sleep(0), "e%d"; a consumer greenlet iterates
        // pool.imap(work, range(3)) printing "got%d"; main sleeps twice, then a joiner loops: pool.join();
        // out.append("joined, len %d" % len(pool)); stop after 12 entries; gevent.sleep(0). gevent's Pool._discard
        // sets the empty event before it releases the slot, so the joiner sees the pool empty before the feeder
        // refills it.
        const string Gevent = "s0 e0 joined, len 0 got0 s1 e1 joined, len 0 got1 s2 e2 joined, len 0 got2 joined, len 0";
        var log = new List<string>();
        Run(async () =>
        {
            var pool = new GreenPool(1);
            Greenlet consumer = Green.Spawn(async () =>
            {
                await foreach (int r in pool.Imap<int, int>(Work, Enumerable.Range(0, 3)))
                {
                    log.Add($"got{r}");
                }
            });
            await Green.Sleep(TimeSpan.Zero);
            await Green.Sleep(TimeSpan.Zero);
            Greenlet joiner = Green.Spawn(async () =>
            {
                while (true)
                {
                    await pool.JoinAsync();
                    log.Add($"joined, len {pool.Count}");
                    if (log.Count > 12)
                    {
                        break;
                    }

                    await Green.Sleep(TimeSpan.Zero);
                }
            });
            await consumer;
            await joiner.KillAsync();

            async Task<int> Work(int i)
            {
                log.Add($"s{i}");
                await Green.Sleep(TimeSpan.Zero);
                log.Add($"e{i}");
                return i;
            }
        });

        string printed = string.Join(" ", log);
        Assert.True(printed == Gevent, $"GreenProc printed: {printed}");
    }

    [Fact]
    public void A_finished_greenlet_holds_its_slot_until_its_links_have_run()
    {
        Run(async () =>
        {
            var pool = new GreenPool(1);
            Greenlet g = pool.Spawn(() => Task.CompletedTask);
            Assert.True(pool.Full);
            Assert.Throws<InvalidOperationException>(() => pool.Spawn(() => Task.CompletedTask));
            await Green.Yield(); // g runs and dies; the callback running its links is queued behind us
            Assert.True(g.IsReady);
            Assert.True(pool.Count == 1 && pool.Full, "dead, but its links have not run yet: it keeps its slot");
            await Green.Yield();
            Assert.Empty(pool);
            Assert.Equal(1, await pool.WaitAvailable());
        });
    }

    [Fact]
    public void Apply_from_a_member_of_a_full_pool_runs_inline_instead_of_deadlocking()
    {
        Run(async () =>
        {
            var pool = new GreenPool(1);
            Greenlet<int> outer = await pool.SpawnAsync(async () => await pool.Apply(() => Task.FromResult(Green.Current.Name)) == "" ? 0 : 1);
            Assert.Equal(1, await outer);
            Assert.Equal(5, await pool.Apply(() => Task.FromResult(5)));
        });
    }

    [Fact]
    public void Spawning_into_its_own_full_pool_from_every_member_is_reported_as_a_deadlock()
    {
        var e = Assert.Throws<HubDeadlockException>(() => Run(async () =>
        {
            var pool = new GreenPool(1);
            Greenlet member = await pool.SpawnAsync(async () => await pool.SpawnAsync(() => Task.CompletedTask));
            await member.JoinAsync();
        }));
        Assert.Contains("GreenSemaphore permit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_joins_kills_and_discards_its_members()
    {
        Run(async () =>
        {
            var group = new GreenGroup();
            Greenlet a = group.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask());
            Greenlet b = group.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask());
            Greenlet c = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask());
            group.Add(c);
            Assert.Equal(3, group.Count);
            Assert.Equal([a, b, c], group.ToList());
            Assert.True(group.Discard(c));
            Assert.False(group.Contains(c));
            Assert.False(await group.JoinAsync(TimeSpan.FromMilliseconds(5)));
            await group.KillAsync();
            Assert.Empty(group);
            Assert.True(a.Killed && b.Killed);
            Assert.False(c.IsReady);
            await c.KillAsync();

            Greenlet failing = group.Spawn(() => Task.FromException(new FormatException("member")));
            await Assert.ThrowsAsync<FormatException>(async () => await group.JoinAsync(raiseError: true));
            Assert.Throws<ArgumentOutOfRangeException>(() => new GreenPool(0));
            Assert.Null(new GreenPool().Size);
        });

        Assert.Single(Reported);
    }
}

public sealed class PoolTests_Epoll : PoolTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class PoolTests_Poll : PoolTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
