using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
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
/// read, when a listener collects, counts the pool keeps on its hub (ints: a reading may be one change old).
/// </remarks>
internal static class IpcMetrics
{
    public const string MeterName = "GreenProc.Ipc";

    private static readonly Meter s_meter = new(MeterName, typeof(IpcMetrics).Assembly.GetName().Version?.ToString());
    private static readonly List<PoolCore> s_pools = new();
    private static int s_nextPoolNumber;

    public static readonly Counter<long> MessagesSent = s_meter.CreateCounter<long>("greenproc.gipc.messages.sent", "{message}",
        "gipc messages accepted by a put (on their way to the pipe; a loss at exit is reported, see GipcUndeliveredException).");

    public static readonly Counter<long> BytesSent = s_meter.CreateCounter<long>("greenproc.gipc.bytes.sent", "By",
        "Payload bytes of the gipc messages accepted by a put (frame headers not counted).");

    public static readonly Counter<long> MessagesReceived = s_meter.CreateCounter<long>("greenproc.gipc.messages.received", "{message}",
        "gipc messages taken by a get (or opened as a stream).");

    public static readonly Counter<long> BytesReceived = s_meter.CreateCounter<long>("greenproc.gipc.bytes.received", "By",
        "Payload bytes of the gipc messages taken by a get (or opened as a stream).");

    public static readonly Counter<long> TasksCompleted = s_meter.CreateCounter<long>("greenproc.pool.tasks.completed", "{task}",
        "Process pool tasks that returned a result.");

    public static readonly Counter<long> TasksFailed = s_meter.CreateCounter<long>("greenproc.pool.tasks.failed", "{task}",
        "Process pool tasks that failed: threw, timed out, or died with their worker.");

    public static readonly Counter<long> TasksCanceled = s_meter.CreateCounter<long>("greenproc.pool.tasks.canceled", "{task}",
        "Process pool tasks cancelled by their caller or their map's end.");

    public static readonly Counter<long> WorkerRestarts = s_meter.CreateCounter<long>("greenproc.pool.worker.restarts", "{worker}",
        "Process pool workers replaced: after a crash or a kill (greenproc.restart.reason = ended) or by recycling (recycled).");

    static IpcMetrics()
    {
        s_meter.CreateObservableUpDownCounter("greenproc.pool.tasks.queued", () => PerPool(p => p.QueuedTasks), "{task}",
            "Process pool tasks submitted and not yet sent to a worker.");
        s_meter.CreateObservableUpDownCounter("greenproc.pool.tasks.running", () => PerPool(p => p.HeldTasks), "{task}",
            "Process pool tasks sent to a worker and not yet answered (running, or next in that worker's line).");
        s_meter.CreateObservableUpDownCounter("greenproc.pool.workers", () => PerPool(p => p.WorkerCount), "{worker}",
            "Process pool worker processes alive (starting, serving or retiring).");
    }

    /// <summary>A message was accepted by a put.</summary>
    public static void Sent(long payloadBytes)
    {
        if (MessagesSent.Enabled)
        {
            MessagesSent.Add(1);
        }

        if (BytesSent.Enabled)
        {
            BytesSent.Add(payloadBytes);
        }
    }

    /// <summary>A message was taken by a get.</summary>
    public static void Received(long payloadBytes)
    {
        if (MessagesReceived.Enabled)
        {
            MessagesReceived.Add(1);
        }

        if (BytesReceived.Enabled)
        {
            BytesReceived.Add(payloadBytes);
        }
    }

    /// <summary>Tasks of one pool ended, with these outcomes.</summary>
    public static void TasksEnded(PoolCore pool, int completed, int failed, int canceled)
    {
        if (completed > 0 && TasksCompleted.Enabled)
        {
            TasksCompleted.Add(completed, pool.Tag);
        }

        if (failed > 0 && TasksFailed.Enabled)
        {
            TasksFailed.Add(failed, pool.Tag);
        }

        if (canceled > 0 && TasksCanceled.Enabled)
        {
            TasksCanceled.Add(canceled, pool.Tag);
        }
    }

    /// <summary>A pool replaced a worker.</summary>
    public static void WorkerRestarted(PoolCore pool, bool recycled)
        => WorkerRestarts.Add(1, pool.Tag, new KeyValuePair<string, object?>("greenproc.restart.reason", recycled ? "recycled" : "ended"));

    /// <summary>A pool starts: its figures are published from now on; returns its number.</summary>
    public static int PoolStarted(PoolCore pool)
    {
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
}
