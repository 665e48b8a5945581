using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using GreenProc.Internal;
using GreenProc.Ipc.Internal.Pool;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// gipc's and the process pool's figures through System.Diagnostics.Metrics (issue 18), meter <c>GreenProc.Ipc</c>:
/// what <c>dotnet-counters monitor --counters GreenProc.Ipc</c>, OpenTelemetry or a <see cref="MeterListener"/> read.
/// A pool's figures are tagged <c>greenproc.pool</c> (the pool's number in this process).
/// </summary>
/// <remarks>
/// Costs: a message put or taken checks one flag (<see cref="Instrument.Enabled"/>) and records only when something
/// listens; the pool's counters record once per answer message (a chunk's tasks at once), never per task; the gauges
/// read, when a listener collects, counts the pool keeps on its hub (ints: a reading may be one change old). The meter
/// is made after first use, on the thread pool, and not at all in GreenProc's own child processes (see
/// <see cref="RuntimeMetrics"/>: a first Meter costs a process about 8 ms).
/// </remarks>
internal static class IpcMetrics
{
    public const string MeterName = "GreenProc.Ipc";

    private static readonly List<PoolCore> s_pools = new();
    private static readonly object s_createLock = new();
    private static int s_nextPoolNumber;
    private static Instruments? s_instruments;
    private static int s_scheduled; // 1 once the instruments' creation is queued

    /// <summary>
    /// The instruments, or null until they exist (and for good in a child process without GREENPROC_METRICS=1). The
    /// first call queues their creation on the thread pool: a process's first Meter costs ~8 ms, which a message or a
    /// pool's start must not wait for; what happens before they exist no listener could have subscribed to.
    /// </summary>
    private static Instruments? Current
    {
        get
        {
            Instruments? instruments = Volatile.Read(ref s_instruments);
            if (instruments is null && !RuntimeMetrics.IsSuppressed && Interlocked.Exchange(ref s_scheduled, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static _ => EnsureCreated(), null);
            }

            return instruments;
        }
    }

    /// <summary>Makes the instruments now, if this process publishes them (tests, which read them at once).</summary>
    public static void EnsureCreated()
    {
        if (RuntimeMetrics.IsSuppressed)
        {
            return;
        }

        lock (s_createLock)
        {
            s_instruments ??= new Instruments();
        }
    }

    /// <summary>A message was accepted by a put.</summary>
    public static void Sent(long payloadBytes)
    {
        if (Current is { } i)
        {
            Message(i.MessagesSent, i.BytesSent, payloadBytes);
        }
    }

    /// <summary>A message was taken by a get.</summary>
    public static void Received(long payloadBytes)
    {
        if (Current is { } i)
        {
            Message(i.MessagesReceived, i.BytesReceived, payloadBytes);
        }
    }

    /// <summary>Counts one message and its payload, on the counters something listens to.</summary>
    private static void Message(Counter<long> messages, Counter<long> bytes, long payloadBytes)
    {
        if (messages.Enabled)
        {
            messages.Add(1);
        }

        if (bytes.Enabled)
        {
            bytes.Add(payloadBytes);
        }
    }

    /// <summary>Tasks of one pool ended, with these outcomes.</summary>
    public static void TasksEnded(PoolCore pool, int completed, int failed, int canceled)
    {
        if (Current is not { } i)
        {
            return;
        }

        if (completed > 0 && i.TasksCompleted.Enabled)
        {
            i.TasksCompleted.Add(completed, pool.Tag);
        }

        if (failed > 0 && i.TasksFailed.Enabled)
        {
            i.TasksFailed.Add(failed, pool.Tag);
        }

        if (canceled > 0 && i.TasksCanceled.Enabled)
        {
            i.TasksCanceled.Add(canceled, pool.Tag);
        }
    }

    /// <summary>A pool replaced a worker.</summary>
    public static void WorkerRestarted(PoolCore pool, bool recycled)
        => Current?.WorkerRestarts.Add(1, pool.Tag, new KeyValuePair<string, object?>("greenproc.restart.reason", recycled ? "recycled" : "ended"));

    /// <summary>A pool starts: its figures are published from now on; returns its number.</summary>
    public static int PoolStarted(PoolCore pool)
    {
        _ = Current; // queues the meter's creation: its gauges exist soon after a pool does
        lock (s_pools)
        {
            s_pools.Add(pool);
            return ++s_nextPoolNumber;
        }
    }

    /// <summary>A pool ends (closed or killed): its series end.</summary>
    public static void PoolEnded(PoolCore pool)
    {
        lock (s_pools)
        {
            s_pools.Remove(pool);
        }
    }

    private static Measurement<long>[] PerPool(Func<PoolCore, int> read)
    {
        lock (s_pools)
        {
            var measurements = new Measurement<long>[s_pools.Count];
            for (int i = 0; i < measurements.Length; i++)
            {
                PoolCore pool = s_pools[i];
                measurements[i] = new Measurement<long>(read(pool), pool.Tag);
            }

            return measurements;
        }
    }

    /// <summary>The meter and its instruments, made once per process.</summary>
    private sealed class Instruments
    {
        public Instruments()
        {
            var meter = new Meter(MeterName, typeof(IpcMetrics).Assembly.GetName().Version?.ToString());
            MessagesSent = meter.CreateCounter<long>("greenproc.gipc.messages.sent", "{message}",
                "gipc messages accepted by a put (on their way to the pipe; a loss at exit is reported, see GipcUndeliveredException).");
            BytesSent = meter.CreateCounter<long>("greenproc.gipc.bytes.sent", "By",
                "Payload bytes of the gipc messages accepted by a put (frame headers not counted).");
            MessagesReceived = meter.CreateCounter<long>("greenproc.gipc.messages.received", "{message}",
                "gipc messages taken by a get (or opened as a stream).");
            BytesReceived = meter.CreateCounter<long>("greenproc.gipc.bytes.received", "By",
                "Payload bytes of the gipc messages taken by a get (or opened as a stream).");
            TasksCompleted = meter.CreateCounter<long>("greenproc.pool.tasks.completed", "{task}",
                "Process pool tasks that returned a result.");
            TasksFailed = meter.CreateCounter<long>("greenproc.pool.tasks.failed", "{task}",
                "Process pool tasks that failed: threw, timed out, or died with their worker.");
            TasksCanceled = meter.CreateCounter<long>("greenproc.pool.tasks.canceled", "{task}",
                "Process pool tasks cancelled by their caller or their map's end.");
            WorkerRestarts = meter.CreateCounter<long>("greenproc.pool.worker.restarts", "{worker}",
                "Process pool workers replaced: after a crash or a kill (greenproc.restart.reason = ended) or by recycling (recycled).");
            meter.CreateObservableUpDownCounter("greenproc.pool.tasks.queued", () => PerPool(p => p.QueuedTasks), "{task}",
                "Process pool tasks submitted and not yet sent to a worker.");
            meter.CreateObservableUpDownCounter("greenproc.pool.tasks.running", () => PerPool(p => p.HeldTasks), "{task}",
                "Process pool tasks sent to a worker and not yet answered (running, or next in that worker's line).");
            meter.CreateObservableUpDownCounter("greenproc.pool.workers", () => PerPool(p => p.WorkerCount), "{worker}",
                "Process pool worker processes alive (starting, serving or retiring).");
        }

        public Counter<long> MessagesSent { get; }

        public Counter<long> BytesSent { get; }

        public Counter<long> MessagesReceived { get; }

        public Counter<long> BytesReceived { get; }

        public Counter<long> TasksCompleted { get; }

        public Counter<long> TasksFailed { get; }

        public Counter<long> TasksCanceled { get; }

        public Counter<long> WorkerRestarts { get; }
    }
}
