using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>Pools and groups; the interleavings asserted here are what gevent 22.10 prints for the same programs.</summary>
public abstract class PoolTests : HubTestBase
{
    private static readonly int[] SleepMs = [210, 120, 30, 150, 15];

    private static async Task<int> Work(int x)
    {
        await Green.Sleep(TimeSpan.FromMilliseconds(SleepMs[x]));
        return x;
    }

    [Fact]
    public void Ordered_and_unordered_imap_over_greenlets_that_sleep_different_times_match_gevent()
    {
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
        Assert.Equal([2, 1, 4, 3, 0], unordered);
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
