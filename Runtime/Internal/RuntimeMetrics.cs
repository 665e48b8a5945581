using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// The hubs' figures through System.Diagnostics.Metrics (issue 18), meter <c>GreenProc.Runtime</c>: what
/// <c>dotnet-counters monitor --counters GreenProc.Runtime</c>, OpenTelemetry or a <see cref="MeterListener"/> read.
/// Every figure of a live hub is tagged <c>greenproc.hub</c> (the hub's number in this process).
/// </summary>
/// <remarks>
/// The hub pays nothing per switch for them: the observable instruments read, when a listener collects, counters the
/// hub keeps anyway (its switch count, run queue, liveness accounting), from the listener's thread, without a lock on
/// the hub (the values are ints and longs the hub alone writes: a reading may be one switch old, never torn). Only the
/// blocked-hub monitor records, and only when a callback held the hub past its threshold.
/// </remarks>
internal static class RuntimeMetrics
{
    public const string MeterName = "GreenProc.Runtime";

    private static readonly Meter s_meter = new(MeterName, typeof(RuntimeMetrics).Assembly.GetName().Version?.ToString());
    private static readonly List<Hub> s_hubs = new();
    private static int s_nextHubNumber;

    /// <summary>How long a callback held its hub, recorded when the blocked-hub monitor caught it (past its threshold).</summary>
    public static readonly Histogram<double> BlockedDuration = s_meter.CreateHistogram<double>(
        "greenproc.hub.blocked.duration", "s",
        "How long one callback held its hub, for each callback the blocked-hub monitor (HubOptions.BlockingMonitor) caught past its threshold.");

    static RuntimeMetrics()
    {
        s_meter.CreateObservableCounter("greenproc.hub.switches", () => PerHub(h => h.VolatileSwitchCount), "{switch}",
            "Callbacks each hub has run: one per switch to a greenlet or hub callback.");
        s_meter.CreateObservableGauge("greenproc.hub.run_queue.length", () => PerHub(h => (long)h.ReadyCountAnyThread), "{callback}",
            "Ready callbacks waiting in each hub's run queue.");
        s_meter.CreateObservableUpDownCounter("greenproc.hub.greenlets.live", () => PerHub(h => (long)h.Liveness.LiveAnyThread), "{greenlet}",
            "Greenlets started on each hub and not finished.");
        s_meter.CreateObservableUpDownCounter("greenproc.hub.fds.waited", () => PerHub(h => (long)h.Liveness.FdWaitersAnyThread), "{fd}",
            "Waits on a descriptor registered with each hub's reactor (a greenlet parked on a pipe or socket).");
        s_meter.CreateObservableUpDownCounter("greenproc.hubs", () => (long)Volatile.Read(ref s_liveHubs), "{hub}",
            "Hubs running in this process (one per thread inside Green.Run).");
    }

    private static int s_liveHubs;

    /// <summary>A hub starts: its figures are published from now on; returns its number.</summary>
    public static int HubStarted(Hub hub)
    {
        lock (s_hubs)
        {
            s_hubs.Add(hub);
            s_liveHubs = s_hubs.Count;
            return ++s_nextHubNumber;
        }
    }

    /// <summary>A hub ends: its series end.</summary>
    public static void HubEnded(Hub hub)
    {
        lock (s_hubs)
        {
            s_hubs.Remove(hub);
            s_liveHubs = s_hubs.Count;
        }
    }

    private static Measurement<long>[] PerHub(Func<Hub, long> read)
    {
        lock (s_hubs)
        {
            var measurements = new Measurement<long>[s_hubs.Count];
            for (int i = 0; i < measurements.Length; i++)
            {
                Hub hub = s_hubs[i];
                measurements[i] = new Measurement<long>(read(hub), new KeyValuePair<string, object?>("greenproc.hub", hub.Number));
            }

            return measurements;
        }
    }
}
