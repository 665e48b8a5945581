using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Windows.Tests;

/// <summary>The gevent primitives: events, queues, locks, semaphores, channels and pools, with timeouts and cancellation.</summary>
public class PrimitiveContractTests
{
    [Fact]
    public async Task An_event_wakes_every_waiter_and_a_wait_times_out_when_unset()
    {
        (int woken, bool timedOut) = await HubRunner.RunAsync(async () =>
        {
            var ev = new GreenEvent();
            int n = 0;
            var waiters = new List<Greenlet>();
            for (int i = 0; i < 5; i++)
            {
                waiters.Add(Green.Spawn(async () => { await ev.WaitAsync(); n++; }));
            }

            await Green.Sleep(TimeSpan.Zero);
            ev.Set();
            await Green.JoinAll(waiters);
            bool ok = await new GreenEvent().WaitAsync(TimeSpan.FromMilliseconds(5));
            return (n, !ok);
        });
        Assert.Equal(5, woken);
        Assert.True(timedOut);
    }

    [Fact]
    public async Task A_bounded_queue_blocks_the_producer_and_keeps_FIFO_order()
    {
        List<int> got = await HubRunner.RunAsync(async () =>
        {
            var queue = new GreenQueue<int>(2);
            Greenlet producer = Green.Spawn(async () =>
            {
                for (int i = 0; i < 10; i++)
                {
                    await queue.PutAsync(i);
                }
            });
            var items = new List<int>();
            for (int i = 0; i < 10; i++)
            {
                items.Add(await queue.GetAsync());
            }

            await producer;
            return items;
        });
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], got);
    }

    [Fact]
    public async Task A_queue_get_honours_its_timeout_and_token()
    {
        (Type timeout, Type cancelled) = await HubRunner.RunAsync(async () =>
        {
            var queue = new GreenQueue<int>();
            Exception t = await Record(async () => await queue.GetAsync(TimeSpan.FromMilliseconds(5)));
            using var cts = new CancellationTokenSource();
            Greenlet canceller = Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(5)); cts.Cancel(); });
            Exception c = await Record(async () => await queue.GetAsync(Timeout.InfiniteTimeSpan, cts.Token));
            await canceller;
            return (t.GetType(), c.GetType());
        });
        Assert.Equal(typeof(GreenTimeoutException), timeout);
        Assert.True(typeof(OperationCanceledException).IsAssignableFrom(cancelled));
    }

    [Fact]
    public async Task A_lock_serializes_greenlets_and_a_semaphore_bounds_them()
    {
        (int maxInLock, int maxInSemaphore) = await HubRunner.RunAsync(async () =>
        {
            var gate = new GreenLock();
            var sem = new GreenSemaphore(3);
            int inLock = 0, peakLock = 0, inSem = 0, peakSem = 0;
            var all = new List<Greenlet>();
            for (int i = 0; i < 10; i++)
            {
                all.Add(Green.Spawn(async () =>
                {
                    using (await gate.LockAsync())
                    {
                        peakLock = Math.Max(peakLock, ++inLock);
                        await Green.Sleep(TimeSpan.Zero);
                        inLock--;
                    }

                    using (await sem.LockAsync())
                    {
                        peakSem = Math.Max(peakSem, ++inSem);
                        await Green.Sleep(TimeSpan.FromMilliseconds(1));
                        inSem--;
                    }
                }));
            }

            await Green.JoinAll(all);
            return (peakLock, peakSem);
        });
        Assert.Equal(1, maxInLock);
        Assert.Equal(3, maxInSemaphore);
    }

    [Fact]
    public async Task A_channel_hands_each_item_from_one_greenlet_to_another()
    {
        int sum = await HubRunner.RunAsync(async () =>
        {
            var channel = new GreenChannel<int>();
            Greenlet producer = Green.Spawn(async () =>
            {
                for (int i = 1; i <= 50; i++)
                {
                    await channel.PutAsync(i);
                }
            });
            int total = 0;
            for (int i = 0; i < 50; i++)
            {
                total += await channel.GetAsync();
            }

            await producer;
            return total;
        });
        Assert.Equal(1275, sum);
    }

    [Fact]
    public async Task A_pool_runs_at_most_its_size_at_once()
    {
        int peak = await HubRunner.RunAsync(async () =>
        {
            var pool = new GreenPool(4);
            int running = 0, max = 0;
            for (int i = 0; i < 20; i++)
            {
                await pool.SpawnAsync(async () =>
                {
                    max = Math.Max(max, ++running);
                    await Green.Sleep(TimeSpan.FromMilliseconds(1));
                    running--;
                });
            }

            await pool.JoinAsync();
            return max;
        });
        Assert.Equal(4, peak);
    }

    internal static async Task<Exception> Record(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new Xunit.Sdk.XunitException("expected an exception");
    }
}
