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
/// <para>
/// The hub pays nothing per switch for them: the observable instruments read, when a listener collects, counters the
/// hub keeps anyway (its switch count, run queue, liveness accounting), from the listener's thread, without a lock on
/// the hub (the values are ints and longs the hub alone writes: a reading may be one switch old, never torn). Only the
/// blocked-hub monitor records, and only when a callback held the hub past its threshold.
/// </para>
/// <para>
/// The meter is made when the process's first hub starts, on the thread pool: creating a process's first Meter costs
/// about 8 ms (measured cold, once per process), which the first <c>Green.Run</c> would otherwise wait for, and which
/// GreenProc's own child processes (pool workers, StartProcess children) would pay at every start, 10 % of a pool's
/// start. So they make none (<see cref="SuppressInChild"/>) unless <c>GREENPROC_METRICS=1</c> is in their
/// environment; the parent's meters see the pool and its pipes.
/// </para>
/// </remarks>
internal static class RuntimeMetrics
{
    public const string MeterName = "GreenProc.Runtime";

    /// <summary>The variable that turns the meters on in GreenProc's child processes too.</summary>
    public const string ChildVariable = "GREENPROC_METRICS";

    private static readonly List<Hub> s_hubs = new();
    private static readonly object s_createLock = new();
    private static int s_nextHubNumber;
    private static int s_liveHubs;
    private static volatile bool s_suppressed;
    private static int s_scheduled; // 1 once the meter's creation is queued
    private static Instruments? s_instruments;

    /// <summary>Whether this process publishes no GreenProc meters (a child without GREENPROC_METRICS=1).</summary>
    public static bool IsSuppressed => s_suppressed;

    /// <summary>Called first thing in a GreenProc child process: no meters there, unless asked for.</summary>
    public static void SuppressInChild()
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) != "1")
        {
            s_suppressed = true;
        }
    }

    /// <summary>A hub starts: its figures are published from now on (once the meter exists); returns its number.</summary>
    public static int HubStarted(Hub hub)
    {
        if (!s_suppressed && Volatile.Read(ref s_instruments) is null && Interlocked.Exchange(ref s_scheduled, 1) == 0)
        {
            // Off the hub's thread: the process's first Meter costs ~8 ms, which the first Green.Run would otherwise
            // wait for. Observable figures lose nothing by appearing a few milliseconds later.
            ThreadPool.UnsafeQueueUserWorkItem(static _ => EnsureCreated(), null);
        }

        lock (s_hubs)
        {
            s_hubs.Add(hub);
            s_liveHubs = s_hubs.Count;
            return ++s_nextHubNumber;
        }
    }

    /// <summary>Makes the meter now, if this process publishes one (tests, which read it at once).</summary>
    public static void EnsureCreated()
    {
        if (s_suppressed)
        {
            return;
        }

        // Not under the hubs' lock: a listener's InstrumentPublished callback runs inside the creation.
        lock (s_createLock)
        {
            s_instruments ??= new Instruments();
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

    /// <summary>A callback the blocked-hub monitor caught held its hub this long.</summary>
    public static void Blocked(Hub hub, TimeSpan held)
        => Volatile.Read(ref s_instruments)?.BlockedDuration.Record(held.TotalSeconds, new KeyValuePair<string, object?>("greenproc.hub", hub.Number));

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

    /// <summary>The meter and its instruments, made once per process.</summary>
    private sealed class Instruments
    {
        public Instruments()
        {
            var meter = new Meter(MeterName, typeof(RuntimeMetrics).Assembly.GetName().Version?.ToString());
            BlockedDuration = meter.CreateHistogram<double>("greenproc.hub.blocked.duration", "s",
                "How long one callback held its hub, for each callback the blocked-hub monitor (HubOptions.BlockingMonitor) caught past its threshold.");
            meter.CreateObservableCounter("greenproc.hub.switches", () => PerHub(h => h.VolatileSwitchCount), "{switch}",
                "Callbacks each hub has run: one per switch to a greenlet or hub callback.");
            meter.CreateObservableGauge("greenproc.hub.run_queue.length", () => PerHub(h => h.ReadyCountAnyThread), "{callback}",
                "Ready callbacks waiting in each hub's run queue.");
            meter.CreateObservableUpDownCounter("greenproc.hub.greenlets.live", () => PerHub(h => h.Liveness.LiveAnyThread), "{greenlet}",
                "Greenlets started on each hub and not finished.");
            meter.CreateObservableUpDownCounter("greenproc.hub.fds.waited", () => PerHub(h => h.Liveness.FdWaitersAnyThread), "{fd}",
                "Waits on a descriptor registered with each hub's reactor (a greenlet parked on a pipe or socket).");
            meter.CreateObservableUpDownCounter("greenproc.hubs", () => (long)Volatile.Read(ref s_liveHubs), "{hub}",
                "Hubs running in this process (one per thread inside Green.Run).");
        }

        /// <summary>How long a callback held its hub, recorded when the blocked-hub monitor caught it.</summary>
        public Histogram<double> BlockedDuration { get; }
    }
}
