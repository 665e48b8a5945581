using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Tests;

/// <summary>
/// GreenProc's own async methods resume their callers on the hub, in the turn their wake-up queued (DESIGN §6).
/// </summary>
/// <remarks>
/// Promptness is asserted without a clock: a "ticker" greenlet yields in a loop. Ready greenlets run in one pass of
/// the hub loop, which drains the inbox other threads post to only between passes; a continuation that went through
/// the thread pool can therefore come back only after the ticker's whole run, while one that stays on the hub lands
/// at a fixed tick.
/// </remarks>
public abstract class HubContinuationTests : HubTestBase
{
    private const int Ticks = 8;

    [Fact]
    public void JoinAll_resumes_its_caller_two_hops_after_the_joined_greenlet_ends_never_through_the_thread_pool()
    {
        List<string> log = RunJoinScenario(async (target, joined) =>
        {
            await Green.JoinAll([target]);
            joined();
        });

        // The target's link callback is queued behind tick1, and the joiner's wake-up behind tick2.
        Assert.Equal(["tick0", "target ends", "tick1", "tick2", "joined on the hub", "tick3", "tick4", "tick5", "tick6", "tick7"], log);
    }

    [Fact]
    public void Wait_resumes_its_caller_two_hops_after_the_awaited_greenlet_ends_never_through_the_thread_pool()
    {
        List<string> log = RunJoinScenario(async (target, joined) =>
        {
            await Green.Wait([target], count: 1);
            joined();
        });

        Assert.Equal(["tick0", "target ends", "tick1", "tick2", "joined on the hub", "tick3", "tick4", "tick5", "tick6", "tick7"], log);
    }

    [Fact]
    public void JoinAll_awaited_with_ConfigureAwait_false_still_resumes_on_the_hub_in_the_same_turn()
    {
        // Library code that awaits a GreenProc method with ConfigureAwait(false) must not leave the hub: the hub builder
        // ignores the flag, as every GreenProc wait does.
        List<string> log = RunJoinScenario(async (target, joined) =>
        {
            await Green.JoinAll([target]).ConfigureAwait(false);
            joined();
        });

        Assert.Equal(["tick0", "target ends", "tick1", "tick2", "joined on the hub", "tick3", "tick4", "tick5", "tick6", "tick7"], log);
    }

    [Fact]
    public void A_hub_built_method_resumes_its_caller_in_the_wake_up_turn_whatever_ConfigureAwait_says()
    {
        foreach (bool continueOnCapturedContext in new[] { true, false })
        {
            var log = new List<string>();
            Run(async () =>
            {
                int hubThread = Environment.CurrentManagedThreadId;
                var ev = new GreenEvent();
                Greenlet awaiting = Green.Spawn(async () =>
                {
                    int value = await WaitThenReturn(ev, 42).ConfigureAwait(continueOnCapturedContext);
                    log.Add(OnHub(hubThread) ? $"resumed with {value}" : "resumed off the hub");
                });
                Greenlet ticker = Ticker(log);
                Greenlet setter = Green.Spawn(async () =>
                {
                    await Green.Yield();
                    log.Add("set");
                    ev.Set();
                });
                await awaiting;
                await ticker;
                await setter;
            });

            // One hop: the event's wake-up runs the method's last step, whose end runs the caller inline.
            Assert.Equal(["tick0", "tick1", "set", "tick2", "resumed with 42", "tick3", "tick4", "tick5", "tick6", "tick7"], log);
        }
    }

    [Fact]
    public void Library_code_chaining_ConfigureAwait_false_over_a_GreenProc_method_stays_on_the_hub()
    {
        // A library's own default-built async methods, each awaiting the next with ConfigureAwait(false) (StreamReader
        // under CliWrap's PipeTarget is one). The hub-built method resumes the inner one without a SynchronizationContext,
        // so the Task it completes resumes the outer one inline, on the hub, instead of on the thread pool.
        Run(async () =>
        {
            int hubThread = Environment.CurrentManagedThreadId;
            var ev = new GreenEvent();
            Greenlet setter = Green.Spawn(() =>
            {
                ev.Set();
                return Task.CompletedTask;
            });
            Assert.True(await LibraryOuter(ev, hubThread), "the library's code left the hub");
            Assert.Equal(hubThread, Environment.CurrentManagedThreadId);
            await setter;
        });

        static async Task<bool> LibraryOuter(GreenEvent ev, int hubThread)
        {
            int value = await LibraryInner(ev).ConfigureAwait(false);
            return value == 3 && OnHub(hubThread);
        }

        static async ValueTask<int> LibraryInner(GreenEvent ev) => await WaitThenReturn(ev, 3).ConfigureAwait(false);
    }

    [Fact]
    public void A_hub_built_method_that_ends_before_it_is_awaited_returns_its_value_later()
    {
        Run(async () =>
        {
            var ev = new GreenEvent();
            ValueTask<int> pending = WaitThenReturn(ev, 7);
            Assert.False(pending.IsCompleted);
            ev.Set();
            await Green.Sleep(TimeSpan.Zero); // the method ends in its own turn, before anyone awaits it
            Assert.True(pending.IsCompletedSuccessfully);
            Assert.Equal(7, await pending);
        });
    }

    [Fact]
    public void A_hub_built_method_raises_its_own_exception_object_and_reports_a_cancellation_as_canceled()
    {
        Run(async () =>
        {
            var ev = new GreenEvent();
            var boom = new FormatException("boom");
            ValueTask failing = WaitThenThrow(ev, boom);
            using var cts = new CancellationTokenSource();
            var canceled = new OperationCanceledException(cts.Token);
            ValueTask cancelling = WaitThenThrow(ev, canceled);
            ValueTask failingAtOnce = ThrowAtOnce(boom);
            ev.Set();
            await Green.Sleep(TimeSpan.Zero); // both methods end in their wake-up turns, queued before this one
            Assert.True(failing.IsFaulted);
            Assert.True(cancelling.IsCanceled);
            Assert.Same(boom, await Assert.ThrowsAsync<FormatException>(async () => await failing));
            Assert.Same(canceled, await Assert.ThrowsAsync<OperationCanceledException>(async () => await cancelling));
            Assert.True(failingAtOnce.IsFaulted);
            Assert.Same(boom, await Assert.ThrowsAsync<FormatException>(async () => await failingAtOnce));
        });
    }

    [Fact]
    public void A_hub_built_method_flows_the_execution_context_across_its_waits()
    {
        var local = new AsyncLocal<string>();
        Run(async () =>
        {
            local.Value = "caller";
            var ev = new GreenEvent();
            ValueTask<string?> read = ReadAfterWait(ev, local);
            Greenlet waker = Green.Spawn(() =>
            {
                local.Value = "another greenlet"; // the waker's own context must not leak into the method
                ev.Set();
                return Task.CompletedTask;
            });
            Assert.Equal("caller", await read);
            Assert.Equal("caller", local.Value);
            await waker;
        });
    }

    [Fact]
    public void A_hub_built_method_awaited_twice_is_refused()
    {
        Run(async () =>
        {
            var ev = new GreenEvent();
            ValueTask<int> pending = WaitThenReturn(ev, 1);
            Greenlet first = Green.Spawn(async () => await pending);
            await Green.Yield(); // the first awaiter is parked
            Assert.Throws<InvalidOperationException>(() => pending.GetAwaiter().OnCompleted(() => { }));
            ev.Set();
            await first;
        });
    }

    private List<string> RunJoinScenario(Func<Greenlet, Action, Task> joinThenLog)
    {
        var log = new List<string>();
        Run(async () =>
        {
            int hubThread = Environment.CurrentManagedThreadId;
            Greenlet target = Green.Spawn(async () =>
            {
                await Green.Yield();
                log.Add("target ends");
            }, "target");
            Greenlet joiner = Green.Spawn(
                () => joinThenLog(target, () => log.Add(OnHub(hubThread) ? "joined on the hub" : "joined off the hub")),
                "joiner");
            Greenlet ticker = Ticker(log);
            await joiner;
            await ticker;
        });

        return log;
    }

    private static Greenlet Ticker(List<string> log) => Green.Spawn(async () =>
    {
        for (int i = 0; i < Ticks; i++)
        {
            log.Add($"tick{i}");
            await Green.Yield();
        }
    }, "ticker");

    private static bool OnHub(int hubThread) => Environment.CurrentManagedThreadId == hubThread && !Thread.CurrentThread.IsThreadPoolThread;

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private static async ValueTask<int> WaitThenReturn(GreenEvent ev, int value)
    {
        await ev.WaitAsync();
        return value;
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private static async ValueTask WaitThenThrow(GreenEvent ev, Exception error)
    {
        await ev.WaitAsync();
        throw error;
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private static async ValueTask ThrowAtOnce(Exception error)
    {
        await Task.CompletedTask;
        throw error;
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private static async ValueTask<string?> ReadAfterWait(GreenEvent ev, AsyncLocal<string> local)
    {
        await ev.WaitAsync();
        await Green.Yield();
        return local.Value;
    }
}

public sealed class HubContinuationTests_Epoll : HubContinuationTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class HubContinuationTests_Poll : HubContinuationTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
