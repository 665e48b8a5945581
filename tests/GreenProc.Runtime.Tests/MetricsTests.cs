using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>
/// The hub's metrics (issue 18), meter GreenProc.Runtime, read as dotnet-counters or OpenTelemetry would, through a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>: every figure of a hub tagged with its number, live while it
/// runs, gone when it ends.
/// </summary>
public abstract class MetricsTests : HubTestBase
{
    [Fact]
    public void A_hub_publishes_its_switches_run_queue_live_greenlets_and_fd_waits()
    {
        GreenProc.Internal.RuntimeMetrics.EnsureCreated(); // made on the thread pool at a first hub's start otherwise
        using var metrics = new MetricsRecorder("GreenProc.Runtime");
        int number = 0;
        Run(async () =>
        {
            number = Hub.Current!.Number;
            var readers = new GreenStream[3];
            var writers = new GreenStream[3];
            var parked = new Greenlet[3];
            for (int i = 0; i < parked.Length; i++)
            {
                SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
                readers[i] = new GreenStream(r, FileAccess.Read);
                writers[i] = new GreenStream(w, FileAccess.Write);
                GreenStream reader = readers[i];
                parked[i] = Green.Spawn(() => reader.ReadExactlyAsync(new byte[1]).AsTask()); // each waits on its pipe
            }

            await Green.Yield(); // the readers park on their pipes

            Greenlet queued = Green.Spawn(() => Task.CompletedTask); // in the run queue while we collect
            metrics.Collect();
            Assert.Equal(4, metrics.Last("greenproc.hub.greenlets.live", "greenproc.hub", number)); // main and the three readers (a greenlet counts once it has started)
            Assert.Equal(3, metrics.Last("greenproc.hub.fds.waited", "greenproc.hub", number));
            Assert.True(metrics.Last("greenproc.hub.run_queue.length", "greenproc.hub", number) >= 1);
            double switches = metrics.Last("greenproc.hub.switches", "greenproc.hub", number)!.Value;
            Assert.True(switches >= 5, $"{switches} switches");
            Assert.True(metrics.Last("greenproc.hubs") >= 1);

            foreach (GreenStream writer in writers)
            {
                await writer.WriteAsync(new byte[1]);
            }

            await Green.JoinAll(parked);
            await queued;
            metrics.Collect();
            Assert.True(metrics.Last("greenproc.hub.switches", "greenproc.hub", number) > switches, "the counter advances");
            Assert.Equal(0, metrics.Last("greenproc.hub.fds.waited", "greenproc.hub", number));
            Assert.Equal(1, metrics.Last("greenproc.hub.greenlets.live", "greenproc.hub", number)); // main alone
            foreach (GreenStream stream in readers.Concat(writers))
            {
                stream.Dispose();
            }
        });

        metrics.Clear();
        metrics.Collect();
        Assert.Equal(0, metrics.Count("greenproc.hub.switches", "greenproc.hub", number)); // an ended hub's series end
    }

    [Fact]
    public void A_callback_the_blocked_hub_monitor_catches_is_recorded_with_its_whole_duration()
    {
        GreenProc.Internal.RuntimeMetrics.EnsureCreated(); // made on the thread pool at a first hub's start otherwise
        using var metrics = new MetricsRecorder("GreenProc.Runtime");
        int number = 0;
        Run(async () =>
        {
            number = Hub.Current!.Number;
            using var reported = new ManualResetEventSlim();
            Hub.Current.Blocked += (_, e) => reported.Set();
            Greenlet blocker = Green.Spawn(async () =>
            {
                await Green.Yield();
                Assert.True(reported.Wait(TimeSpan.FromSeconds(20)), "the monitor never reported the blocked hub"); // blocks the hub until caught
            });
            await blocker;
        }, new HubOptions { BlockingMonitor = new HubBlockingMonitorOptions { Threshold = TimeSpan.FromMilliseconds(50) } });

        Assert.True(metrics.Count("greenproc.hub.blocked.duration", "greenproc.hub", number) >= 1);
        Assert.True(metrics.Sum("greenproc.hub.blocked.duration", "greenproc.hub", number) >= 0.05, "the whole time it held the hub, past the threshold");
    }
}

public sealed class MetricsTests_Epoll : MetricsTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class MetricsTests_Poll : MetricsTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
