using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class SchedulingTests : HubTestBase
{
    [Fact]
    public void Yield_interleaves_two_greenlets_1A_2A_1B_2B()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet Worker(string id) => Green.Spawn(async () =>
            {
                log.Add(id + "A");
                await Green.Yield();
                log.Add(id + "B");
            });

            await Green.JoinAll([Worker("1"), Worker("2")]);
        });

        Assert.Equal(["1A", "2A", "1B", "2B"], log);
    }

    [Fact]
    public void Without_a_yield_each_greenlet_runs_to_its_end_first()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet Worker(string id) => Green.Spawn(() =>
            {
                log.Add(id + "A");
                log.Add(id + "B");
                return Task.CompletedTask;
            });

            await Green.JoinAll([Worker("1"), Worker("2")]);
        });

        Assert.Equal(["1A", "1B", "2A", "2B"], log);
    }

    [Fact]
    public void Spawn_only_schedules_the_greenlet_never_runs_it_inline()
    {
        var log = new List<string>();
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() =>
            {
                log.Add("child");
                return Task.CompletedTask;
            });
            log.Add("after spawn");
            Assert.False(g.IsReady);
            await Green.Yield();
            log.Add("after yield");
        });

        Assert.Equal(["after spawn", "child", "after yield"], log);
    }

    [Fact]
    public void Ready_greenlets_run_in_FIFO_order()
    {
        var order = new List<int>();
        Run(async () =>
        {
            var all = Enumerable.Range(0, 100).Select(i => Green.Spawn(() =>
            {
                order.Add(i);
                return Task.CompletedTask;
            })).ToList();
            await Green.JoinAll(all);
        });

        Assert.Equal(Enumerable.Range(0, 100), order);
    }

    [Fact]
    public void A_yield_loop_does_not_poll_io_within_one_ready_pass()
    {
        var log = new List<string>();
        Run(
            async () =>
            {
                SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
                using (r)
                using (w)
                {
                    WriteByte(w);
                    Greenlet reader = Green.Spawn(async () =>
                    {
                        await Green.WaitReadAsync(r);
                        log.Add("io");
                    });
                    Greenlet yielder = Green.Spawn(async () =>
                    {
                        for (int i = 0; i < 50; i++)
                        {
                            await Green.Yield();
                        }

                        log.Add("yields done");
                    });
                    await Green.JoinAll([reader, yielder]);
                }
            },
            new HubOptions { MaxReadyPass = TimeSpan.FromSeconds(10) });

        Assert.Equal(["yields done", "io"], log);
    }

    [Fact]
    public void A_positive_sleep_lets_the_hub_poll_io()
    {
        // A sleep parks the greenlet on a timer, so the loop reaches the reactor before the sleeper runs again: the
        // reader of an fd that is readable before anyone sleeps has run by the sleeper's second wake-up at the latest
        // (its first, unless the 1 ms has already passed at the first timer check, which queues the sleeper ahead of
        // the reader). Nothing here races the clock: a slow machine only moves the wake-up from the first to the
        // second. A yield loop instead keeps the ready pass going (the test above), and would count to the bound.
        int sleeps = 0;
        bool ioSeen = false;
        Run(
            async () =>
            {
                SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
                using (r)
                using (w)
                {
                    WriteByte(w);
                    Greenlet reader = Green.Spawn(async () =>
                    {
                        await Green.WaitReadAsync(r);
                        ioSeen = true;
                    });
                    Greenlet sleeper = Green.Spawn(async () =>
                    {
                        while (!ioSeen && sleeps < 1000)
                        {
                            await Green.Sleep(TimeSpan.FromMilliseconds(1));
                            sleeps++;
                        }
                    });
                    await Green.JoinAll([reader, sleeper]);
                }
            },
            new HubOptions { MaxReadyPass = TimeSpan.FromSeconds(10) });

        Assert.True(ioSeen);
        Assert.InRange(sleeps, 1, 2);
    }

    [Fact]
    public void A_greenlet_that_only_yields_cannot_starve_io_the_pass_is_capped()
    {
        bool ioSeen = false;
        long yields = 0;
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using (r)
            using (w)
            {
                WriteByte(w);
                Greenlet reader = Green.Spawn(async () =>
                {
                    await Green.WaitReadAsync(r);
                    ioSeen = true;
                });

                // Bounded, so that a starving loop fails instead of hanging.
                while (!ioSeen && yields < 50_000_000)
                {
                    yields++;
                    await Green.Yield();
                }

                await reader;
            }
        });

        Assert.True(ioSeen, $"I/O was never polled during {yields} yields.");
    }

    [Fact]
    public void Sleep_order_follows_deadlines()
    {
        // A deadline is the clock when the sleep is armed plus its length, and each greenlet arms its own when it
        // first runs. The clock read just before and just after arming bounds each deadline; the wake order must
        // agree with every pair whose bounds are apart (the usual case: all of them, so a, a2, b, c). A machine
        // that stalls between two arms for longer than their lengths differ really does reorder the deadlines, and
        // then either order is right: the test checks the rule, not the machine's speed. Equal deadlines keep their
        // arming order: Timers_due_at_the_same_tick_fire_in_arming_order_after_earlier_ones, where they can be equal.
        var armed = new Dictionary<string, (long Lo, long Hi)>();
        var woke = new List<(string Name, long At)>();
        Run(async () =>
        {
            var gs = new List<Greenlet>();
            foreach ((string name, int ms) in new[] { ("c", 60), ("a", 20), ("b", 40), ("a2", 20) })
            {
                gs.Add(Green.Spawn(async () =>
                {
                    long ticks = Ticks(TimeSpan.FromMilliseconds(ms));
                    long before = Stopwatch.GetTimestamp();
                    ValueTask sleep = Green.Sleep(TimeSpan.FromMilliseconds(ms));
                    armed[name] = (before + ticks, Stopwatch.GetTimestamp() + ticks);
                    await sleep;
                    woke.Add((name, Stopwatch.GetTimestamp()));
                }));
            }

            await Green.JoinAll(gs);
        });

        AssertWakeOrderFollowsDeadlines(armed, woke);
    }

    [Fact]
    public void SpawnLater_starts_after_its_delay_in_delay_order()
    {
        // As above: the delays' deadlines are bounded by the clock around each SpawnLater call. "now" is spawned
        // plainly and runs at the next ready pass, before the hub ever looks at its timers.
        var armed = new Dictionary<string, (long Lo, long Hi)>();
        var woke = new List<(string Name, long At)>();
        Run(async () =>
        {
            Greenlet late = Later("late", 30);
            Greenlet early = Later("early", 5);
            Greenlet now = Green.Spawn(() => Record("now"));
            Assert.True(late.Started);
            Assert.False(late.IsAlive);
            await Green.JoinAll([late, early, now]);
        });

        Assert.Equal("now", woke[0].Name);
        woke.RemoveAt(0);
        AssertWakeOrderFollowsDeadlines(armed, woke);

        Greenlet Later(string name, int ms)
        {
            long ticks = Ticks(TimeSpan.FromMilliseconds(ms));
            long before = Stopwatch.GetTimestamp();
            Greenlet g = Green.SpawnLater(TimeSpan.FromMilliseconds(ms), () => Record(name));
            armed[name] = (before + ticks, Stopwatch.GetTimestamp() + ticks);
            return g;
        }

        Task Record(string s)
        {
            woke.Add((s, Stopwatch.GetTimestamp()));
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void Timers_due_at_the_same_tick_fire_in_arming_order_after_earlier_ones()
    {
        // Equal deadlines cannot be made through the clock-based API, so the timers are armed on the hub's heap with
        // explicit deadlines: d2 is due first, then a, b, c at one tick, in the order they were armed.
        var fired = new List<string>();
        Run(async () =>
        {
            Hub hub = Hub.Current!;
            long due = Stopwatch.GetTimestamp();
            foreach ((string name, long at) in new[] { ("a", due), ("b", due), ("d2", due - 2), ("c", due) })
            {
                hub.Timers.Add(new RecordingTimer(name, fired), at);
            }

            await Green.Sleep(TimeSpan.FromMilliseconds(1)); // due after all of them: they fire at its timer pass or before
        });

        Assert.Equal(["d2", "a", "b", "c"], fired);
    }

    [Fact]
    public void Negative_sleep_is_rejected()
    {
        Run(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Green.Sleep(TimeSpan.FromSeconds(-1)));
            return Task.CompletedTask;
        });
    }

    [Fact]
    public void Sleep_is_cancelled_by_its_token()
    {
        Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            Greenlet canceller = Green.Spawn(() =>
            {
                cts.Cancel();
                return Task.CompletedTask;
            });
            OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Green.Sleep(Timeout.InfiniteTimeSpan, cts.Token));
            Assert.Equal(cts.Token, e.CancellationToken);
            await canceller;
        });
    }

    [Fact]
    public void An_already_cancelled_token_fails_the_wait_at_once()
    {
        Run(async () =>
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Green.Sleep(TimeSpan.FromSeconds(10), new CancellationToken(true)));
        });
    }

    [Fact]
    public void Api_outside_a_hub_says_to_use_Green_Run()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Green.Spawn(() => Task.CompletedTask));
        Assert.Contains("Green.Run", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Green.Yield());
        Assert.Throws<InvalidOperationException>(() => _ = Green.Current);
        Assert.Null(Hub.Current);
    }

    [Fact]
    public void Green_Run_cannot_be_nested()
    {
        Run(() =>
        {
            Assert.Throws<InvalidOperationException>(() => Green.Run(() => Task.CompletedTask));
            return Task.CompletedTask;
        });
    }

    [Fact]
    public void Green_Run_returns_mains_value_and_rethrows_mains_error()
    {
        Assert.Equal(42, Run(() => Task.FromResult(42)));
        var e = Assert.Throws<FormatException>(() => Run(async () =>
        {
            await Green.Yield();
            throw new FormatException("main failed");
        }));
        Assert.Equal("main failed", e.Message);
        Assert.Empty(Reported); // main's error goes to the caller, not to the error handler
    }

    [Fact]
    public void Current_is_the_running_greenlet_and_Hub_Current_is_the_threads_hub()
    {
        Run(async () =>
        {
            Greenlet main = Green.Current;
            Assert.Equal("main", main.Name);
            Greenlet? seen = null;
            Greenlet child = Green.Spawn(() =>
            {
                seen = Green.Current;
                return Task.CompletedTask;
            }, "child");
            await child;
            Assert.Same(child, seen);
            Assert.Same(main, Green.Current);
            Assert.NotNull(Hub.Current);
            Assert.Equal(Reactor, Hub.Current!.Reactor);
        });
    }

    [Fact]
    public void Foreign_awaitables_resume_on_the_hub_thread_as_the_same_greenlet()
    {
        Run(async () =>
        {
            int hubThread = Environment.CurrentManagedThreadId;
            Greenlet me = Green.Current;
            await Task.Delay(5);
            Assert.Equal(hubThread, Environment.CurrentManagedThreadId);
            Assert.Same(me, Green.Current);
            await Task.Run(() => Thread.Yield());
            Assert.Equal(hubThread, Environment.CurrentManagedThreadId);
            Assert.Same(me, Green.Current);
        });
    }

    [Fact]
    public void The_same_program_prints_the_same_interleaving_every_run()
    {
        string Once() => Run(async () =>
        {
            var log = new List<string>();
            var gs = new List<Greenlet>();
            for (int i = 0; i < 5; i++)
            {
                int id = i;
                gs.Add(Green.Spawn(async () =>
                {
                    for (int step = 0; step < 3; step++)
                    {
                        log.Add($"{id}.{step}");
                        if ((id + step) % 2 == 0)
                        {
                            await Green.Yield();
                        }
                        else
                        {
                            await Green.Sleep(TimeSpan.Zero);
                        }
                    }
                }));
            }

            Greenlet joiner = Green.Spawn(async () =>
            {
                await gs[2];
                log.Add("joined 2");
            });
            await Green.JoinAll(gs.Append(joiner));
            return string.Join(" ", log);
        });

        string first = Once();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(first, Once());
        }

        Assert.Equal("0.0 1.0 2.0 3.0 4.0 0.1 1.1 2.1 3.1 4.1 0.2 1.2 2.2 3.2 4.2 joined 2", first);
    }

    private static long Ticks(TimeSpan span) => span.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;

    /// <summary>
    /// Each greenlet woke no earlier than its deadline's lower bound, and no two woke against the order of deadlines
    /// whose bounds are apart (a deadline lies between the clock read before and after it was armed).
    /// </summary>
    private static void AssertWakeOrderFollowsDeadlines(Dictionary<string, (long Lo, long Hi)> armed, List<(string Name, long At)> woke)
    {
        Assert.Equal(armed.Count, woke.Count);
        for (int i = 0; i < woke.Count; i++)
        {
            (string name, long at) = woke[i];
            Assert.True(at >= armed[name].Lo - 1, $"'{name}' woke before its deadline"); // 1 tick: the hub converts through a double
            for (int j = i + 1; j < woke.Count; j++)
            {
                string later = woke[j].Name;
                Assert.False(armed[later].Hi < armed[name].Lo, $"'{later}' was due before '{name}' but woke after it");
            }
        }
    }

    private sealed class RecordingTimer(string name, List<string> fired) : Internal.HubTimer
    {
        public override void Fire() => fired.Add(name);
    }

    internal static unsafe void WriteByte(SafeFdHandle w)
    {
        byte b = 7;
        Assert.Equal(1, (int)Interop.Write(w, &b, 1));
    }
}

public sealed class SchedulingTests_Epoll : SchedulingTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class SchedulingTests_Poll : SchedulingTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
