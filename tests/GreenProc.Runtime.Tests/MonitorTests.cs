using System;
using System.Linq;
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
        var reports = new ConcurrentQueue<HubBlockedEventArgs>();
        Run(async () =>
        {
            using var reported = new ManualResetEventSlim();
            Hub.Current!.Blocked += (_, e) =>
            {
                reports.Enqueue(e);
                if (!e.Ended)
                {
                    reported.Set();
                }
            };

            // Blocks the hub thread until the monitor has reported it: no sleep, and it cannot pass unreported.
            Greenlet blocker = Green.Spawn(async () =>
            {
                await Green.Yield();
                BlockUntil(reported);
            }, "blocker");
            await blocker;
        }, Monitored(stack: true));

        // On a starved machine another callback can also outlast the threshold (the thread was descheduled) and be
        // reported too; what must hold is that the blocker is reported, by name, exactly once, then its follow-up.
        HubBlockedEventArgs[] forBlocker = reports.Where(r => r.GreenletName == "blocker").ToArray();
        Assert.Equal(2, forBlocker.Length);
        HubBlockedEventArgs first = forBlocker[0];
        Assert.False(first.Ended);
        Assert.True(first.Duration >= TimeSpan.FromMilliseconds(50), first.Duration.ToString());
        Assert.Contains("The_monitor_reports_a_greenlet_that_blocks_the_hub_by_name_and_method", first.RunningMethod, StringComparison.Ordinal);
        Assert.Contains("'blocker' has blocked the hub", first.ToString(), StringComparison.Ordinal);

        HubBlockedEventArgs after = forBlocker[1]; // the follow-up with the stack
        Assert.True(after.Ended);
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
