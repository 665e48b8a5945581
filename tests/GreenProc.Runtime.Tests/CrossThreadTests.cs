using System;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class CrossThreadTests : HubTestBase
{
    // A thread that will post is invisible to the hub, so a main greenlet parked on nothing else would be reported
    // as a deadlock: these tests say so with the option made for it.
    private static readonly HubOptions PostedFromOutside = new() { DetectDeadlocks = false };

    [Fact]
    public void A_post_from_another_thread_wakes_a_blocked_hub()
    {
        Run(async () =>
        {
            Hub hub = Hub.Current!;
            int hubThread = Environment.CurrentManagedThreadId;
            Greenlet parked = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask(), "parked");
            int postedOn = -1;
            var thread = new Thread(() => hub.Post(() =>
            {
                postedOn = Environment.CurrentManagedThreadId;
                parked.KillAsync(block: false);
            }));

            // The only thing that can end this join is the post: the hub must be blocked in the reactor and woken.
            thread.Start();
            await parked.JoinAsync();
            thread.Join();
            Assert.Equal(hubThread, postedOn);
            Assert.True(parked.Killed);
        }, PostedFromOutside);
    }

    [Fact]
    public void Many_posts_from_many_threads_all_run_on_the_hub()
    {
        Run(async () =>
        {
            Hub hub = Hub.Current!;
            int ran = 0;
            Greenlet waiter = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan).AsTask());
            var threads = new Thread[4];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(() =>
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        hub.Post(() =>
                        {
                            if (++ran == 4000)
                            {
                                waiter.KillAsync(block: false);
                            }
                        });
                    }
                });
                threads[t].Start();
            }

            await waiter.JoinAsync();
            Assert.Equal(4000, ran);
            foreach (Thread t in threads)
            {
                t.Join();
            }
        }, PostedFromOutside);
    }

    [Fact]
    public void RunBlocking_runs_off_the_hub_while_other_greenlets_keep_running()
    {
        Run(async () =>
        {
            using var release = new ManualResetEventSlim();
            int hubThread = Environment.CurrentManagedThreadId;
            int workThread = hubThread;
            Greenlet<int> blocking = Green.Spawn(() => Green.RunBlocking(() =>
            {
                workThread = Environment.CurrentManagedThreadId;
                release.Wait(); // blocks its thread until a greenlet, running meanwhile, releases it
                return 42;
            }).AsTask());
            Greenlet releaser = Green.Spawn(async () =>
            {
                await Green.Yield();
                release.Set();
            });
            Assert.Equal(42, await blocking);
            await releaser;
            Assert.NotEqual(hubThread, workThread);
        });
    }

    [Fact]
    public void RunBlocking_rethrows_the_work_error_and_can_be_abandoned()
    {
        Run(async () =>
        {
            await Assert.ThrowsAsync<FormatException>(async () => await Green.RunBlocking<int>(() => throw new FormatException()));
            await Assert.ThrowsAsync<FormatException>(async () => await Green.RunBlocking(() => throw new FormatException()));

            using var gate = new ManualResetEventSlim();
            Greenlet<int> g = Green.Spawn(() => Green.RunBlocking(() =>
            {
                gate.Wait();
                return 1;
            }).AsTask());
            await Green.Yield();
            await g.KillAsync();
            Assert.True(g.Killed);
            gate.Set(); // the abandoned work finishes later; its result is dropped

            // Until its end is posted back the call counts as an outside wake source: wait for that, not for a guess
            // at how long the thread pool takes, so that the hub really handles the dropped result.
            Hub hub = Hub.Current!;
            while (hub.ExternalWakeSources > 0)
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(1));
            }
        });
    }

    [Fact]
    public void Cancelling_a_wait_from_another_thread_wakes_the_hub()
    {
        Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            var t = new Thread(() => cts.Cancel());
            Greenlet g = Green.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan, cts.Token).AsTask());
            await Green.Yield();
            t.Start();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await g);
            t.Join();
        });
    }

    [Fact]
    public void Greenlet_members_refuse_other_threads()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Green.Yield().AsTask());
            await Task.Run(() => Assert.Throws<InvalidOperationException>(() => g.Link(_ => { })));
            await g;
        });
    }

    [Fact]
    public void An_async_void_error_is_reported_to_the_error_handler()
    {
        Run(async () =>
        {
            Fail();
            await Green.Yield();
            await Green.Yield();
        });

        Assert.Equal("async void", Assert.Single(Reported).Error.Message);

        static async void Fail()
        {
            await Green.Yield();
            throw new FormatException("async void");
        }
    }
}

public sealed class CrossThreadTests_Epoll : CrossThreadTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class CrossThreadTests_Poll : CrossThreadTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
