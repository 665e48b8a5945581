using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class SemaphoreAndLockTests : HubTestBase
{
    [Fact]
    public void Semaphore_limited_workers_interleave_as_in_gevent()
    {
        // gevent 22.10 prints the same for: Semaphore(2); five workers doing `with sem: log start; sleep(0); log end`.
        var log = new List<string>();
        Run(async () =>
        {
            var sem = new GreenSemaphore(2);
            var gs = Enumerable.Range(0, 5).Select(i => Green.Spawn(async () =>
            {
                using (await sem.LockAsync())
                {
                    log.Add($"start {i}");
                    await Green.Yield();
                    log.Add($"end {i}");
                }
            })).ToList();
            await Green.JoinAll(gs, raiseError: true);
            Assert.Equal(2, sem.CurrentCount);
        });

        Assert.Equal("start 0 start 1 end 0 end 1 start 2 start 3 end 2 end 3 start 4 end 4", string.Join(" ", log));
    }

    [Fact]
    public void A_released_permit_goes_to_the_longest_waiter_never_to_a_newcomer()
    {
        var order = new List<string>();
        Run(async () =>
        {
            var sem = new GreenSemaphore(0);
            var waiters = new[] { "a", "b", "c" }.Select(n => Green.Spawn(async () =>
            {
                await sem.AcquireAsync();
                order.Add(n);
            })).ToList();
            await Green.Yield();
            sem.Release();
            Assert.False(sem.TryAcquire()); // the permit already belongs to "a"
            Assert.Equal(0, sem.CurrentCount);
            sem.Release();
            sem.Release();
            await Green.JoinAll(waiters);
        });

        Assert.Equal(["a", "b", "c"], order);
    }

    [Fact]
    public void Concurrency_never_exceeds_the_semaphore_under_a_thousand_workers()
    {
        int active = 0, max = 0, done = 0;
        Run(async () =>
        {
            var sem = new GreenSemaphore(7);
            var gs = Enumerable.Range(0, 1000).Select(i => Green.Spawn(async () =>
            {
                using (await sem.LockAsync())
                {
                    max = Math.Max(max, ++active);
                    for (int k = 0; k < i % 3; k++)
                    {
                        await Green.Yield();
                    }

                    active--;
                    done++;
                }
            })).ToList();
            await Green.JoinAll(gs, raiseError: true);
        });

        Assert.Equal(7, max);
        Assert.Equal(1000, done);
    }

    [Fact]
    public void An_acquire_that_times_out_returns_false_leaves_the_queue_and_loses_no_permit()
    {
        Run(async () =>
        {
            var sem = new GreenSemaphore(1);
            Assert.True(await sem.AcquireAsync());
            Assert.True(sem.IsLocked);
            Assert.False(await sem.AcquireAsync(TimeSpan.FromMilliseconds(5)));
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await sem.LockAsync(TimeSpan.FromMilliseconds(5)));
            sem.Release();
            Assert.Equal(1, sem.CurrentCount);
            Assert.True(sem.TryAcquire());
        });
    }

    [Fact]
    public void A_waiter_killed_after_being_handed_a_permit_passes_it_on()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var sem = new GreenSemaphore(0);
            Greenlet first = Green.Spawn(async () =>
            {
                await sem.AcquireAsync();
                log.Add("first got it");
            });
            Greenlet second = Green.Spawn(async () =>
            {
                await sem.AcquireAsync();
                log.Add("second got it");
            });
            await Green.Yield();
            await first.KillAsync(block: false); // queued before the release below...
            sem.Release();                        // ...which hands the permit to first: the kill wins at its switch point
            await Green.JoinAll([first, second]);
            Assert.True(first.Killed);
        });

        Assert.Equal(["second got it"], log);
    }

    [Fact]
    public void A_bounded_semaphore_refuses_over_release_a_plain_one_allows_it()
    {
        Run(async () =>
        {
            var bounded = new GreenBoundedSemaphore(2);
            Assert.Throws<SemaphoreFullException>(() => bounded.Release());
            Assert.True(await bounded.AcquireAsync());
            bounded.Release();
            Assert.Throws<SemaphoreFullException>(() => bounded.Release());
            Assert.Equal(2, bounded.MaximumCount);

            var plain = new GreenSemaphore(1);
            plain.Release();
            Assert.Equal(2, plain.CurrentCount);
            Assert.Throws<ArgumentOutOfRangeException>(() => new GreenSemaphore(-1));
        });
    }

    [Fact]
    public void The_lock_is_reentrant_for_its_owner_and_others_wait_until_the_last_release()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var l = new GreenLock();
            using (await l.LockAsync())
            {
                using (await l.LockAsync())
                {
                    Greenlet other = Green.Spawn(async () =>
                    {
                        using (await l.LockAsync())
                        {
                            log.Add("other");
                        }
                    });
                    await Green.Yield();
                    log.Add("inner");
                }

                await Green.Yield();
                log.Add("outer");
                Assert.Same(Green.Current, l.Owner);
            }

            await Green.Yield();
            Assert.False(l.IsLocked);
        });

        Assert.Equal(["inner", "outer", "other"], log);
    }

    [Fact]
    public void Only_the_owner_may_release_the_lock()
    {
        Run(async () =>
        {
            var l = new GreenLock();
            Assert.Throws<SynchronizationLockException>(() => l.Release());
            Assert.True(l.TryAcquire());
            Greenlet intruder = Green.Spawn(() =>
            {
                var e = Assert.Throws<SynchronizationLockException>(() => l.Release());
                Assert.Contains("'main'", e.Message, StringComparison.Ordinal);
                Assert.False(l.TryAcquire());
                return Task.CompletedTask;
            });
            await intruder;
            l.Release();
            Assert.False(l.IsLocked);
        });
    }

    [Fact]
    public void Lock_waiters_are_served_in_order_and_a_killed_heir_passes_the_lock_on()
    {
        var log = new List<string>();
        Run(async () =>
        {
            var l = new GreenLock();
            await l.AcquireAsync();
            var waiters = new[] { "a", "b", "c" }.Select(n => Green.Spawn(async () =>
            {
                await l.AcquireAsync();
                log.Add(n);
                l.Release();
            }, n)).ToList();
            await Green.Yield();
            await waiters[0].KillAsync(block: false);
            l.Release(); // hands the lock to "a", whose pending kill wins: "b" gets it
            await Green.JoinAll(waiters);
            Assert.False(l.IsLocked);
            Assert.True(await l.AcquireAsync(TimeSpan.Zero));
        });

        Assert.Equal(["b", "c"], log);
    }
}

public sealed class SemaphoreAndLockTests_Epoll : SemaphoreAndLockTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class SemaphoreAndLockTests_Poll : SemaphoreAndLockTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
