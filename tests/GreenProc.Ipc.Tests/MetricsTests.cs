using System;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>
/// gipc's and the process pool's metrics (issue 18), meter GreenProc.Ipc, read through a MeterListener as
/// dotnet-counters or OpenTelemetry would. Serial with the other gipc tests: the message counters are process-wide,
/// so the counts are exact only when nothing else sends meanwhile.
/// </summary>
[Collection(nameof(SerialGipcTests))]
public sealed class MetricsTests : LeakCheckedTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    protected override ReactorKind Reactor => ReactorKind.Default;

    [Fact]
    public void Gipc_counts_the_messages_and_payload_bytes_put_and_taken()
    {
        Internal.IpcMetrics.EnsureCreated(); // made on the thread pool after a first use otherwise
        using var metrics = new MetricsRecorder("GreenProc.Ipc");
        Run(async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe(GipcRawCodec.Instance);
            Greenlet reader = Green.Spawn(async () =>
            {
                for (int i = 0; i < 11; i++)
                {
                    await pipe.Reader.GetAsync(Bound);
                }
            });
            for (int i = 0; i < 10; i++)
            {
                await pipe.Writer.PutAsync(new byte[100]);
            }

            await pipe.Writer.PutAsync(new byte[1 << 20]); // a large one, written straight from the caller's memory
            await reader;
        });

        Assert.Equal(11, metrics.Sum("greenproc.gipc.messages.sent"));
        Assert.Equal(1000 + (1 << 20), metrics.Sum("greenproc.gipc.bytes.sent"));
        Assert.Equal(11, metrics.Sum("greenproc.gipc.messages.received"));
        Assert.Equal(1000 + (1 << 20), metrics.Sum("greenproc.gipc.bytes.received"));
    }

    [Fact]
    public async Task A_pool_counts_its_tasks_by_outcome_its_queue_its_workers_and_their_restarts()
    {
        Internal.IpcMetrics.EnsureCreated(); // made on the thread pool after a first use otherwise
        using var metrics = new MetricsRecorder("GreenProc.Ipc");
        await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
        await pool.WaitReadyAsync().WaitAsync(Bound);
        int number = pool.Number;
        metrics.Collect();
        Assert.Equal(2, metrics.Last("greenproc.pool.workers", "greenproc.pool", number));
        Assert.Equal(0, metrics.Last("greenproc.pool.tasks.queued", "greenproc.pool", number));

        int[] squares = await pool.MapAsync(PoolTasks.Square, Enumerable.Range(0, 100), new ProcessPoolMapOptions { ChunkSize = 7 }).WaitAsync(Bound);
        Assert.Equal(100, squares.Length);
        await Assert.ThrowsAsync<GipcRemoteException>(() => pool.SubmitAsync(PoolTasks.Throw, 3).WaitAsync(Bound));
        await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.SubmitAsync(PoolTasks.CrashOn, (1, 1, "exit")).WaitAsync(Bound));
        Assert.Equal(4, await pool.SubmitAsync(PoolTasks.Square, 2).WaitAsync(Bound)); // served by the replacement, or the other

        Assert.Equal(101, metrics.Sum("greenproc.pool.tasks.completed", "greenproc.pool", number));
        Assert.Equal(2, metrics.Sum("greenproc.pool.tasks.failed", "greenproc.pool", number)); // one threw, one crashed its worker
        Assert.Equal(1, metrics.Sum("greenproc.pool.worker.restarts", "greenproc.pool", number));
        metrics.Collect();
        Assert.Equal(0, metrics.Last("greenproc.pool.tasks.queued", "greenproc.pool", number));
        Assert.Equal(0, metrics.Last("greenproc.pool.tasks.running", "greenproc.pool", number));

        await pool.DisposeAsync();
        metrics.Clear();
        metrics.Collect();
        Assert.Equal(0, metrics.Count("greenproc.pool.workers", "greenproc.pool", number)); // a disposed pool's series end
    }

    [Fact]
    public void A_pool_publishes_the_tasks_it_has_queued_and_those_at_its_workers()
    {
        // A pool on this hub: a submission is queued at once, and nothing is sent until this greenlet waits.
        Internal.IpcMetrics.EnsureCreated(); // made on the thread pool after a first use otherwise
        using var metrics = new MetricsRecorder("GreenProc.Ipc");
        string marker = ProcessPoolTests.NewFifo(), go = ProcessPoolTests.NewFifo();
        try
        {
            Run(async () =>
            {
                await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 1 });
                int number = pool.Number;
                Task<int> first = pool.SubmitAsync(PoolTasks.ReportPidThenWaitForGo, (marker, go, 42));
                Task<int>[] next = [pool.SubmitAsync(PoolTasks.Square, 2), pool.SubmitAsync(PoolTasks.Square, 3)];
                metrics.Collect();
                Assert.Equal(3, metrics.Last("greenproc.pool.tasks.queued", "greenproc.pool", number));
                Assert.Equal(0, metrics.Last("greenproc.pool.tasks.running", "greenproc.pool", number));

                await Green.RunBlocking(() => System.IO.File.ReadAllText(marker));
                metrics.Collect();
                double queued = metrics.Last("greenproc.pool.tasks.queued", "greenproc.pool", number)!.Value;
                double running = metrics.Last("greenproc.pool.tasks.running", "greenproc.pool", number)!.Value;
                Assert.True(running >= 1 && queued + running == 3, $"{queued} queued, {running} at the worker");

                await Green.RunBlocking(() => System.IO.File.WriteAllText(go, "go"));
                Assert.Equal(42, await first);
                int[] rest = await Task.WhenAll(next);
                Assert.Equal(new[] { 4, 9 }, rest);
                metrics.Collect();
                Assert.Equal(0, metrics.Last("greenproc.pool.tasks.queued", "greenproc.pool", number));
                Assert.Equal(0, metrics.Last("greenproc.pool.tasks.running", "greenproc.pool", number));
                Assert.Equal(3, metrics.Sum("greenproc.pool.tasks.completed", "greenproc.pool", number));
            });
        }
        finally
        {
            System.IO.File.Delete(marker);
            System.IO.File.Delete(go);
        }
    }

    /// <summary>A child: which GreenProc meters a listener finds in it, once each has been made (on the thread pool
    /// after first use otherwise; not at all where they are suppressed).</summary>
    internal static async Task ReportMeters(GipcWriter<string> output)
    {
        await output.PutAsync("started");
        GreenProc.Internal.RuntimeMetrics.EnsureCreated();
        Internal.IpcMetrics.EnsureCreated();
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) => seen.Add(instrument.Meter.Name);
            listener.Start();
        }

        await output.PutAsync(string.Join(",", seen.Where(n => n.StartsWith("GreenProc.", StringComparison.Ordinal)).Distinct().Order()));
    }

    [Fact]
    public void GreenProc_s_child_processes_publish_meters_only_when_GREENPROC_METRICS_is_1()
    {
        // A first Meter costs a process ~8 ms: pool workers and StartProcess children make none by default.
        string? before = Environment.GetEnvironmentVariable("GREENPROC_METRICS");
        try
        {
            foreach ((string? value, string expected) in new[] { ((string?)null, ""), ("1", "GreenProc.Ipc,GreenProc.Runtime") })
            {
                Environment.SetEnvironmentVariable("GREENPROC_METRICS", value);
                Run(async () =>
                {
                    using GipcPipe<string> pipe = Gipc.Pipe<string>();
                    using GipcProcess child = Gipc.StartProcess(ReportMeters, pipe.Writer);
                    Assert.Equal("started", await pipe.Reader.GetAsync(Bound));
                    Assert.Equal(expected, await pipe.Reader.GetAsync(Bound));
                    Assert.True(await child.JoinAsync(Bound));
                });
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("GREENPROC_METRICS", before);
        }
    }
}
