using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class MonitorTests : HubTestBase
{
    private static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(50);

    private static HubOptions Monitored(bool stack = false) => new()
    {
        BlockingMonitor = new HubBlockingMonitorOptions { Threshold = Threshold, CaptureStack = stack },
    };

    private static long Ticks(TimeSpan span) => span.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;

    [Fact]
    public void The_monitor_reports_a_greenlet_that_blocks_the_hub_by_name_and_method()
    {
        // Each report is tagged with the phase it came in: 1 from just before the blocking callback starts, 2 once it
        // has stopped blocking. Main sets phase 1 while the blocker's blocking callback is next in the run queue, so
        // that callback can only be reported in phase 1; any other callback a starved machine holds past the
        // threshold is told apart by its phase or its greenlet's name.
        var reports = new ConcurrentQueue<(int Phase, HubBlockedEventArgs Report)>();
        int phase = 0;
        Run(async () =>
        {
            using var reported = new ManualResetEventSlim();
            Hub.Current!.Blocked += (_, e) =>
            {
                int now = Volatile.Read(ref phase);
                reports.Enqueue((now, e));
                if (!e.Ended && now == 1 && e.GreenletName == "blocker")
                {
                    reported.Set();
                }
            };

            // Blocks the hub thread until the monitor has reported it: no sleep, and it cannot pass unreported.
            Greenlet blocker = Green.Spawn(async () =>
            {
                await Green.Yield(); // the blocking callback is then this async method's continuation
                BlockUntil(reported);
                Volatile.Write(ref phase, 2);
            }, "blocker");
            await Green.Yield(); // the blocker runs to its yield and is queued behind us
            Volatile.Write(ref phase, 1);
            await blocker;
        }, Monitored(stack: true));

        HubBlockedEventArgs first = Assert.Single(reports, r => r.Phase == 1 && !r.Report.Ended && r.Report.GreenletName == "blocker").Report; // reported once
        Assert.True(first.Duration >= TimeSpan.FromMilliseconds(50), first.Duration.ToString());
        Assert.Contains("The_monitor_reports_a_greenlet_that_blocks_the_hub_by_name_and_method", first.RunningMethod, StringComparison.Ordinal);
        Assert.Contains("'blocker' has blocked the hub", first.ToString(), StringComparison.Ordinal);

        // The follow-up with the stack, when the blocking callback returned.
        HubBlockedEventArgs after = Assert.Single(reports, r => r.Phase == 2 && r.Report.Ended && r.Report.GreenletName == "blocker").Report;
        Assert.NotNull(after.Stack);
    }

    [Fact]
    public void The_monitor_stays_silent_for_greenlets_that_yield_and_for_an_idle_hub()
    {
        // The monitor measures by the wall clock: if the machine stalls the hub thread inside one callback (a
        // preemption, a GC pause) for the threshold, that callback did hold the hub that long and a report is right.
        // So the test measures the stalls as well: the gap between two turns of the yielder bounds every callback
        // run between them, and the overrun of the idle sleep bounds the last ones. With no stall reaching the
        // threshold (the usual case) there must be no report at all; the machine's speed cannot fail the test.
        var reports = new ConcurrentQueue<HubBlockedEventArgs>();
        long longestStall = 0;
        Run(async () =>
        {
            Hub.Current!.Blocked += (_, e) => reports.Enqueue(e);
            var clock = Stopwatch.StartNew();
            long last = Stopwatch.GetTimestamp();
            Greenlet yielder = Green.Spawn(async () =>
            {
                while (clock.ElapsedMilliseconds < 200)
                {
                    Mark();
                    await Green.Yield();
                }
            });
            await yielder;
            Mark();
            long idle = Stopwatch.GetTimestamp();
            await Green.Sleep(TimeSpan.FromMilliseconds(150)); // idle in the reactor: not blocked
            longestStall = Math.Max(longestStall, Stopwatch.GetTimestamp() - idle - Ticks(TimeSpan.FromMilliseconds(150)));

            void Mark()
            {
                long now = Stopwatch.GetTimestamp();
                longestStall = Math.Max(longestStall, now - last);
                last = now;
            }
        }, Monitored());

        if (longestStall < Ticks(Threshold))
        {
            Assert.Empty(reports);
        }
        else
        {
            // The machine stalled the hub long enough for the monitor to see a held callback: a report is right then,
            // but never for less than the threshold.
            Assert.All(reports, r => Assert.True(r.Duration >= Threshold, r.ToString()));
        }
    }

    [Fact]
    public void Without_a_handler_the_report_is_one_line_on_stderr()
    {
        var report = new HubBlockedEventArgs(null!, null, "g", TimeSpan.FromMilliseconds(120), "Program.Main (async)", null, ended: false);
        string line = report.ToString();
        Assert.DoesNotContain('\n', line);
        Assert.Contains("greenlet 'g' has blocked the hub for 120 ms in Program.Main (async)", line, StringComparison.Ordinal);
    }

    private static void BlockUntil(ManualResetEventSlim reported)
    {
        Assert.True(reported.Wait(TimeSpan.FromSeconds(20)), "the monitor never reported the blocked hub");
    }
}

public sealed class MonitorTests_Epoll : MonitorTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class MonitorTests_Poll : MonitorTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
