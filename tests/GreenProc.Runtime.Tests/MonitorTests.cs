using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class MonitorTests : HubTestBase
{
    private static HubOptions Monitored(bool stack = false) => new()
    {
        BlockingMonitor = new HubBlockingMonitorOptions { Threshold = TimeSpan.FromMilliseconds(50), CaptureStack = stack },
    };

    [Fact]
    public void The_monitor_reports_a_greenlet_that_blocks_the_hub_by_name_and_method()
    {
        // Each report is tagged with the phase it came in: 1 while the blocker blocks the hub, 2 once it has stopped.
        // (On a starved machine an ordinary callback can outlast the threshold too and be reported in phase 0.)
        var reports = new ConcurrentQueue<(int Phase, HubBlockedEventArgs Report)>();
        int phase = 0;
        Run(async () =>
        {
            using var reported = new ManualResetEventSlim();
            Hub.Current!.Blocked += (_, e) =>
            {
                int now = Volatile.Read(ref phase);
                reports.Enqueue((now, e));
                if (!e.Ended && now == 1)
                {
                    reported.Set();
                }
            };

            // Blocks the hub thread until the monitor has reported it: no sleep, and it cannot pass unreported.
            Greenlet blocker = Green.Spawn(async () =>
            {
                await Green.Yield();
                Volatile.Write(ref phase, 1);
                BlockUntil(reported);
                Volatile.Write(ref phase, 2);
            }, "blocker");
            await blocker;
        }, Monitored(stack: true));

        HubBlockedEventArgs first = Assert.Single(reports, r => r.Phase == 1 && !r.Report.Ended).Report; // reported once
        Assert.Equal("blocker", first.GreenletName);
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
        int reports = 0;
        Run(async () =>
        {
            Hub.Current!.Blocked += (_, _) => Interlocked.Increment(ref reports);
            var clock = Stopwatch.StartNew();
            Greenlet yielder = Green.Spawn(async () =>
            {
                while (clock.ElapsedMilliseconds < 200)
                {
                    await Green.Yield();
                }
            });
            await yielder;
            await Green.Sleep(TimeSpan.FromMilliseconds(150)); // idle in the reactor: not blocked
        }, Monitored());

        Assert.Equal(0, reports);
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
