using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>
/// A greenlet ended by an <see cref="OperationCanceledException"/> is canceled, not failed (Task's rule): nothing is
/// reported, joins return, gets raise the cancellation, and only plain links run.
/// </summary>
public abstract class CancellationTests : HubTestBase
{
    [Fact]
    public void A_greenlet_ended_by_its_cancelled_token_is_canceled_not_failed_and_is_not_reported()
    {
        Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            Greenlet<int> g = Green.Spawn(async () =>
            {
                await Green.Sleep(Timeout.InfiniteTimeSpan, cts.Token);
                return 1;
            }, "sleeper");
            OperationCanceledException? seenByGetter = null;
            Greenlet getter = Green.Spawn(async () => seenByGetter = await Assert.ThrowsAsync<OperationCanceledException>(async () => await g));
            await Green.Yield(); // both are parked
            cts.Cancel();

            Assert.True(await g.JoinAsync()); // a join returns normally
            Assert.True(g.IsReady);
            Assert.True(g.IsCanceled);
            Assert.False(g.IsSuccessful);
            Assert.False(g.Killed);
            Assert.Null(g.Exception);
            Assert.Equal(0, g.Value);
            Assert.Contains("canceled", g.ToString(), StringComparison.Ordinal);

            // Getting it raises the cancellation, with its token, as awaiting a canceled Task does: whether the getter
            // waited for it or came after.
            await getter;
            Assert.Equal(cts.Token, seenByGetter!.CancellationToken);
            OperationCanceledException late = await Assert.ThrowsAsync<OperationCanceledException>(async () => await g.GetAsync());
            Assert.Same(seenByGetter, late);
        });

        Assert.Empty(Reported);
    }

    [Fact]
    public void Any_OperationCanceledException_cancels_a_greenlet_thrown_at_once_returned_as_a_canceled_task_or_raised_by_a_kill()
    {
        Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Greenlet thrownAtOnce = Green.Spawn(() => throw new OperationCanceledException("at once"));
            Greenlet canceledTask = Green.Spawn(() => Task.FromCanceled(cts.Token));
            Greenlet tokenChecked = Green.Spawn(async () =>
            {
                await Green.Yield();
                cts.Token.ThrowIfCancellationRequested();
            });
            Greenlet killed = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask());
            await Green.Yield();
            await killed.KillAsync(new OperationCanceledException("killed with a cancellation"));

            await Green.JoinAll([thrownAtOnce, canceledTask, tokenChecked]);
            foreach (Greenlet g in new[] { thrownAtOnce, canceledTask, tokenChecked, killed })
            {
                Assert.True(g.IsCanceled, g.Name);
                Assert.Null(g.Exception);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await g);
            }
        });

        Assert.Empty(Reported);
    }

    [Fact]
    public void A_canceled_greenlet_runs_its_Link_callbacks_but_neither_LinkValue_nor_LinkException_and_delivers_the_cancellation_to_a_linked_result()
    {
        var fired = new List<string>();
        Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Greenlet<int> g = Green.Spawn<int>(async () =>
            {
                await Green.Yield();
                cts.Token.ThrowIfCancellationRequested();
                return 1;
            });
            g.Link(_ => fired.Add("link"));
            g.LinkValue(_ => fired.Add("value"));
            g.LinkException(_ => fired.Add("exception"));
            var result = new GreenAsyncResult<int>();
            g.Link(result);

            await g.JoinAsync(); // its waiter is the last link: the others have run
            Assert.Equal(["link"], fired);
            Assert.True(result.IsReady);
            Assert.False(result.IsSuccessful);
            await Assert.ThrowsAsync<OperationCanceledException>(async () => await result.GetAsync());
        });

        Assert.Empty(Reported);
    }

    [Fact]
    public void JoinAll_and_Wait_count_a_canceled_greenlet_as_finished_and_raiseError_raises_only_failures()
    {
        Run(async () =>
        {
            Greenlet canceled = Canceled();
            Greenlet fine = Green.Spawn(() => Green.Yield().AsTask());
            Assert.Equal(2, (await Green.JoinAll([canceled, fine], raiseError: true)).Count);
            Assert.Equal(2, (await Green.Wait([Canceled(), Green.Spawn(() => Task.CompletedTask)])).Count);

            Greenlet failed = Green.Spawn(async () =>
            {
                await Green.Yield();
                await Green.Yield();
                throw new FormatException("a real failure");
            });
            var e = await Assert.ThrowsAsync<FormatException>(async () => await Green.JoinAll([Canceled(), failed], raiseError: true));
            Assert.Equal("a real failure", e.Message);
        });

        Assert.Equal("a real failure", Assert.Single(Reported).Error.Message); // the failure, once; no cancellation
    }

    [Fact]
    public void A_group_join_with_raiseError_passes_over_canceled_members()
    {
        Run(async () =>
        {
            var pool = new GreenPool(3);
            using var cts = new CancellationTokenSource();
            Greenlet sleeper = pool.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan, cts.Token).AsTask());
            Greenlet fine = pool.Spawn(() => Green.Yield().AsTask());
            await Green.Yield();
            cts.Cancel();
            Assert.True(await pool.JoinAsync(raiseError: true));
            Assert.True(sleeper.IsCanceled);
            Assert.True(fine.IsSuccessful);
            Assert.Empty(pool);
        });

        Assert.Empty(Reported);
    }

    [Fact]
    public void Imap_raises_a_canceled_items_cancellation_at_its_position()
    {
        var got = new List<int>();
        Run(async () =>
        {
            var pool = new GreenPool(2);
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (int r in pool.Imap<int, int>(async x =>
                {
                    await Green.Yield();
                    return x == 2 ? throw new OperationCanceledException("item 2") : x;
                }, Enumerable.Range(0, 5)))
                {
                    got.Add(r);
                }
            });
            Assert.Equal("item 2", e.Message);
            await pool.JoinAsync();
        });

        Assert.Equal([0, 1], got);
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_cancelled_pool_run_reports_nothing()
    {
        // The reported case: a MapAsync over a pool whose token is cancelled while its workers wait on it. Every worker,
        // and the feeder waiting for a slot, ends canceled; none of them is an error to report.
        Run(async () =>
        {
            var pool = new GreenPool(4);
            using var cts = new CancellationTokenSource();
            int started = 0;
            Task<List<int>> run = pool.MapAsync<int, int>(async x =>
            {
                started++;
                await Green.Sleep(Timeout.InfiniteTimeSpan, cts.Token);
                return x;
            }, Enumerable.Range(0, 11), cts.Token);
            while (started < 4)
            {
                await Green.Yield();
            }

            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(await pool.JoinAsync());
        });

        Assert.Empty(Reported);
    }

    [Fact]
    public void A_canceled_main_greenlet_raises_its_cancellation_from_Run()
    {
        Assert.Throws<OperationCanceledException>(() => Run(async () =>
        {
            await Green.Yield();
            throw new OperationCanceledException("main");
        }));
        Assert.Empty(Reported);
    }

    private static Greenlet Canceled() => Green.Spawn(async () =>
    {
        await Green.Yield();
        throw new OperationCanceledException();
    }, "canceled");
}

public sealed class CancellationTests_Epoll : CancellationTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class CancellationTests_Poll : CancellationTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
