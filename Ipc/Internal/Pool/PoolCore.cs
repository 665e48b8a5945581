using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// The process pool's machinery, on one hub: the queue of tasks not sent yet, the workers, and the dispatcher greenlet
/// that sends tasks to workers with room. Every member runs on the hub's thread; <see cref="ProcessPool"/> brings calls
/// from other threads here.
/// </summary>
/// <remarks>
/// <para>
/// Fates of an item (one task, or a chunk of a map's): queued here (<see cref="_queue"/>) → held by one worker (sent,
/// <see cref="WorkerHandle.Held"/>) → done (each task answered: result, error, cancelled, timed out; or failed with its
/// worker). A worker that dies fails the one task it was running (read from its <see cref="WorkerSlot"/>); the rest of
/// that item, and the other items it held, go back to the front of the queue, in order, so every other task completes.
/// An item held by three workers that died running something else fails too, so that nothing circulates for ever.
/// </para>
/// <para>
/// How much a worker is sent ahead: for short tasks a worker must always have its next one at hand (a round trip to the
/// pool takes ~10 µs, a trivial task ~1 µs), for long ones sending ahead only unbalances the workers. So a worker takes
/// a chunk while it holds fewer than two items, or a single task while it holds fewer than cover ~200 µs of their
/// measured run time (2..64).
/// </para>
/// <para>
/// Flags: <see cref="_closing"/> (DisposeAsync: no new tasks, the queue drains, then the workers retire),
/// <see cref="_fault"/> (no task can run: every task fails with it; set once), <see cref="_killed"/> (Kill or the end of
/// CloseAsync: nothing runs any more). Once killed, the pool's descriptors are closed and its workers signalled.
/// </para>
/// </remarks>
internal sealed class PoolCore
{
    private const int MaxRequeues = 3;
    private const int MaxStartFailures = 3;
    private static readonly long s_aheadTicks = Stopwatch.Frequency / 5000; // 200 µs of work sent ahead

    private readonly ItemQueue _queue = new();
    private readonly List<WorkerHandle> _workers = new();
    private readonly GreenEvent _wake = new();
    private readonly GreenEvent _idle = new(set: true); // nothing queued or held
    private readonly GreenEvent _workersGone = new();   // closing, and every worker has ended
    private readonly ByteBuilder _message = new();
    private long _nextId;
    private int _nextWorkerNumber;
    private int _ready;
    private int _startFailures; // workers in a row that died before they were ready
    private Greenlet? _dispatcher;
    private Exception? _fault; // the pool cannot run tasks (an initializer failed, workers die at start): every task fails with it
    private bool _closing;     // DisposeAsync: no new tasks; workers retire once idle
    private bool _killed;
    private int _heldTasks;   // tasks in every worker's Held (metrics; written on the hub only)
    private int _workerCount; // _workers.Count (metrics; written on the hub only)

    public PoolCore(Hub hub, ProcessPoolOptions options)
    {
        Hub = hub;
        Options = options;
        ReadyEvent = new GreenEvent();
    }

    public Hub Hub { get; }

    public ProcessPoolOptions Options { get; }

    /// <summary>This pool's number in this process, from 1 (the <c>greenproc.pool</c> tag of its metrics).</summary>
    public int Number { get; private set; }

    /// <summary>The <c>greenproc.pool</c> tag of its metrics, boxed once (a measurement takes it without allocating).</summary>
    public KeyValuePair<string, object?> Tag { get; private set; }

    /// <summary>Tasks queued here, not yet sent (metrics; any thread).</summary>
    public int QueuedTasks => _queue.TaskCount;

    /// <summary>Tasks held by workers, sent and not answered (metrics; any thread).</summary>
    public int HeldTasks => Volatile.Read(ref _heldTasks);

    /// <summary>Live workers (metrics; any thread).</summary>
    public int WorkerCount => Volatile.Read(ref _workerCount);

    /// <summary>A worker took (positive) or gave back (negative) items of this many tasks.</summary>
    public void HeldChanged(int tasks) => Volatile.Write(ref _heldTasks, _heldTasks + tasks);

    /// <summary>Set once every worker has started and run its initializer (or the pool faulted).</summary>
    public GreenEvent ReadyEvent { get; }

    /// <summary>Raises the reason the pool cannot run tasks (an initializer failed), if any.</summary>
    public void ThrowIfFaulted()
    {
        if (_fault is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_fault);
        }
    }

    /// <summary>Starts the workers (all at once) and the dispatcher.</summary>
    public void Start()
    {
        Number = IpcMetrics.PoolStarted(this);
        Tag = new KeyValuePair<string, object?>("greenproc.pool", Number);
        _dispatcher = Green.Spawn(DispatchLoopAsync, "pool dispatcher");
        for (int i = 0; i < Options.Workers; i++)
        {
            StartWorker();
        }
    }

    // Items submitted from threads other than the hub's: queued here and moved to _queue by one posted drain per burst
    // (a post per task would be a work item, and often an eventfd write, each).
    private readonly System.Collections.Concurrent.ConcurrentQueue<PoolItem> _incoming = new();
    private int _drainPosted; // 1 while a drain is posted (Interlocked)

    /// <summary>Queues an item from any thread (on the hub it is queued at once).</summary>
    public void SubmitFromAnyThread(PoolItem item)
    {
        if (Hub.IsHubThread)
        {
            Submit(item);
            return;
        }

        _incoming.Enqueue(item);
        if (Interlocked.Exchange(ref _drainPosted, 1) == 0)
        {
            Hub.Post(static s => ((PoolCore)s!).DrainIncoming(), this);
        }
    }

    private void DrainIncoming()
    {
        Volatile.Write(ref _drainPosted, 0); // before draining: an item queued after the last TryDequeue posts again
        while (_incoming.TryDequeue(out PoolItem? item))
        {
            Submit(item);
        }
    }

    /// <summary>Queues a task (or fails it at once when the pool cannot run it).</summary>
    public void Submit(PoolItem item)
    {
        if (_killed || _closing)
        {
            item.Fail(new ObjectDisposedException(nameof(ProcessPool), "The process pool is disposed: it takes no more tasks."), this);
            return;
        }

        if (_fault is not null)
        {
            item.Fail(_fault, this);
            return;
        }

        item.Id = ++_nextId;
        if (item.Token.CanBeCanceled)
        {
            if (item.Token.IsCancellationRequested)
            {
                item.Cancel(this);
                return;
            }

            // The token may fire on any thread: the cancellation itself runs on the hub.
            item.Registration = item.Token.UnsafeRegister(s => Hub.Post(() => CancelItem((PoolItem)s!)), item);
        }

        _queue.AddLast(item);
        _idle.Clear();
        _wake.Set();
    }

    /// <summary>
    /// A cancellation of one item: unsent, it just ends; at a worker, the worker is asked (its task's token fires, its
    /// other tasks are answered unrun), and with <paramref name="kill"/> the worker is killed if the task has not
    /// stopped after the grace.
    /// </summary>
    public void CancelItem(PoolItem item, bool kill = true)
    {
        if (item.Done)
        {
            return;
        }

        if (item.Worker is { } worker)
        {
            if (!item.CancelRequested)
            {
                item.CancelRequested = true;
                item.KillOnCancel = kill;
                item.CancelRequestedAt = Stopwatch.GetTimestamp();
                _ = SendCancelAsync(worker, item.Id);
                worker.ArmKillTimer();
            }

            return;
        }

        _queue.Remove(item);
        item.Cancel(this);
        Completed();
    }

    /// <summary>Called as each item ends (on the hub, possibly inside a worker's answer decoding: nothing here may wait).</summary>
    public void Completed()
    {
        _wake.Set();
        UpdateIdle();
    }

    /// <summary>Waits until nothing is queued or held.</summary>
    public ValueTask<bool> WaitIdleAsync() => _idle.WaitAsync();

    /// <summary>DisposeAsync: takes no more tasks, lets the queued and held ones finish, then retires every worker and
    /// waits for them to exit (killing what does not exit within the grace).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    public async ValueTask CloseAsync()
    {
        _closing = true;
        while (!_idle.IsSet && !_killed)
        {
            await _idle.WaitAsync();
        }

        foreach (WorkerHandle w in _workers)
        {
            if (w.State != WorkerState.Dead)
            {
                w.State = WorkerState.Retiring;
                w.Requests.Close(); // end of stream: the worker exits 0 after what it holds (nothing)
            }
        }

        // Each worker's end is settled by its response reader (OnWorkerEndedAsync), which takes it off the list.
        if (_workers.Count > 0 && !await _workersGone.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            foreach (WorkerHandle w in _workers)
            {
                w.KillGroup(); // did not exit when told: no waiting for ever
            }

            await _workersGone.WaitAsync();
        }

        Shutdown();
    }

    /// <summary>Kills every worker now; every task not done fails with ObjectDisposedException.</summary>
    public void Kill()
    {
        if (_killed)
        {
            return;
        }

        _killed = true;
        var disposed = new ObjectDisposedException(nameof(ProcessPool), "The process pool was killed before this task finished.");
        foreach (PoolItem item in _queue.Drain())
        {
            item.Fail(disposed, this);
        }

        foreach (WorkerHandle w in _workers)
        {
            while (w.TryUnhold(out PoolItem? item))
            {
                item.Fail(disposed, this);
            }

            w.DisarmKillTimer();
            if (w.State != WorkerState.Dead)
            {
                w.KillGroup();
            }
        }

        UpdateIdle();
        Shutdown();
    }

    private void Shutdown()
    {
        _killed = true;
        _wake.Set();
        ReadyEvent.Set();
        if (_dispatcher is { IsReady: false } d && !ReferenceEquals(Hub.CurrentGreenlet, d))
        {
            _ = d.KillAsync(block: false);
        }

        foreach (WorkerHandle w in _workers)
        {
            w.Requests.Abort();
            w.Responses.Close();
            w.Control.Dispose();
            w.Process.Dispose(); // reaped in the background once it has exited
            w.Slot.Dispose();
        }

        _workers.Clear();
        Volatile.Write(ref _workerCount, 0);
        IpcMetrics.PoolEnded(this);
    }

    private void UpdateIdle()
    {
        if (_queue.Count > 0)
        {
            return;
        }

        foreach (WorkerHandle w in _workers)
        {
            if (w.Held.Count > 0)
            {
                return;
            }
        }

        _idle.Set();
    }

    // ---- workers ----

    private void StartWorker()
    {
        int number = ++_nextWorkerNumber;
        GipcPipe<GipcBuffer> requests = Gipc.Pipe<GipcBuffer>();
        GipcPipe<byte[]> responses = Gipc.Pipe<byte[]>();
        GipcPipe<long> control = Gipc.Pipe<long>();
        WorkerSlot slot = WorkerSlot.Create(out SafeFdHandle slotFd);
        GipcProcess process;
        try
        {
            process = Gipc.StartProcessCore(
                (Func<GipcReader<GipcBuffer>, GipcWriter<byte[]>, GipcReader<long>, byte[], Task>)PoolWorker.RunAsync,
                [requests.Reader, responses.Writer, control.Reader, Options.Setup(number).ToBytes()],
                new ChildStart { Daemon = true, NewProcessGroup = true, CaptureStderr = true, ExtraFds = [slotFd], Name = $"pool worker {number}" });
        }
        catch
        {
            requests.Dispose();
            responses.Dispose();
            control.Dispose();
            slot.Dispose();
            throw;
        }
        finally
        {
            slotFd.Dispose();
        }

        var worker = new WorkerHandle(this, number, process, requests.Writer.Frames, responses.Reader.Frames, control.Writer, slot);
        _workers.Add(worker);
        Volatile.Write(ref _workerCount, _workers.Count);
        _ = Green.Spawn(() => ReadStderrAsync(worker), $"pool worker {number} stderr");
        _ = Green.Spawn(() => ReadResponsesAsync(worker), $"pool worker {number} responses");
        _wake.Set();
    }

    private async Task ReadResponsesAsync(WorkerHandle worker)
    {
        try
        {
            while (true)
            {
                byte kind = await worker.Responses.GetAsync(worker.Codec, null, default);
                if (kind == PoolProtocol.Ready)
                {
                    _startFailures = 0;
                    if (++_ready == Options.Workers)
                    {
                        ReadyEvent.Set();
                    }
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or GipcException)
        {
            // The worker exited, died, or wrote something that is not the protocol (then it is killed below).
        }

        if (!_killed)
        {
            await OnWorkerEndedAsync(worker);
        }
    }

    // This process's stderr, where the workers' diagnostics are copied: one stream for every pool, for the process's
    // life (a stream per worker would be a descriptor each, left open when a pool ends before its copier does).
    private static readonly Lazy<Stream> s_stderr = new(Console.OpenStandardError);

    private static async Task ReadStderrAsync(WorkerHandle worker)
    {
        GreenStream? stderr = worker.Process.Popen.Stderr;
        if (stderr is null)
        {
            return;
        }

        Stream ours = s_stderr.Value;
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stderr.ReadAsync(buffer)) > 0)
            {
                worker.AppendStderr(buffer.AsSpan(0, n));
                ours.Write(buffer, 0, n); // the worker's diagnostics stay visible, as if it wrote to our stderr
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>A worker's responses ended: it exited (retired) or died. Settles what it held and replaces it.</summary>
    private async Task OnWorkerEndedAsync(WorkerHandle worker)
    {
        // A retiring worker already has its replacement (recycling), or none is wanted (closing).
        bool retiring = worker.State == WorkerState.Retiring;
        bool neverReady = worker.State == WorkerState.Starting;
        worker.State = WorkerState.Dead;
        worker.DisarmKillTimer();
        if (!await worker.Process.JoinAsync(TimeSpan.FromSeconds(5)))
        {
            worker.KillGroup(); // it closed its pipe but lives on: it cannot serve any more
            await worker.Process.JoinAsync();
        }

        worker.KillGroup(); // what its tasks started does not outlive it (its process group)
        long runningItem = worker.Slot.Item;
        int runningIndex = worker.Slot.Index;
        int? exitCode = worker.Process.ExitCode;
        if (worker.InitializerError is { } initError)
        {
            Fault(new ProcessPoolInitializationException(worker.Number, initError));
        }

        // Decide every held item's fate first, requeue, and only then end the failed ones: their ends run Completed,
        // which must not see the pool idle while tasks are on their way back to the queue.
        var requeue = new List<PoolItem>();
        var crashed = new List<(PoolItem Item, int Index)>();
        var failed = new List<PoolItem>();
        var cancelled = new List<PoolItem>();
        while (worker.TryUnhold(out PoolItem? item))
        {
            item.Worker = null;
            if (item.Done)
            {
                continue;
            }

            if (item.CancelRequested)
            {
                cancelled.Add(item);
            }
            else if (item.Id == runningItem && runningIndex < item.Count)
            {
                // The task it ran fails; the item's others (done with their answers lost, or not started) go again.
                crashed.Add((item, runningIndex));
                if (item.Without(runningIndex) is { } rest)
                {
                    rest.Requeues = item.Requeues;
                    requeue.Add(rest);
                }
            }
            else if (++item.Requeues >= MaxRequeues)
            {
                failed.Add(item);
            }
            else
            {
                requeue.Add(item);
            }
        }

        for (int i = requeue.Count - 1; i >= 0; i--)
        {
            if (requeue[i].Id == 0)
            {
                requeue[i].Id = ++_nextId; // the rest of an item: a new item (map chunks carry no token of their own)
            }

            _queue.AddFirst(requeue[i]); // in their order, ahead of what came later
        }

        foreach ((PoolItem item, int index) in crashed)
        {
            item.FailOne(index, new WorkerCrashedException(worker.Pid, exitCode, worker.StderrTail, null), this);
            Completed();
        }

        foreach (PoolItem item in failed)
        {
            item.Fail(new WorkerCrashedException(worker.Pid, exitCode, worker.StderrTail, item.Requeues), this);
            Completed();
        }

        foreach (PoolItem item in cancelled)
        {
            item.Cancel(this);
            Completed();
        }

        if (worker.State == WorkerState.Dead && worker.Process.Popen.Stderr is { } s)
        {
            s.Dispose();
        }

        worker.Requests.Abort();
        worker.Responses.Close();
        worker.Control.Dispose();
        worker.Process.Dispose();
        worker.Slot.Dispose();
        _workers.Remove(worker);
        Volatile.Write(ref _workerCount, _workers.Count);
        UpdateIdle();
        if (neverReady && worker.InitializerError is null && ++_startFailures >= MaxStartFailures && _fault is null)
        {
            // Workers that die before they serve (the app cannot start in a child, a broken deployment): starting more
            // would loop for ever. The pool fails what it holds, with the last one's reason.
            Fault(new WorkerCrashedException($"The process pool's workers die before they are ready ({_startFailures} in a row; the last, pid {worker.Pid}, exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}). The pool cannot run tasks. Its stderr ended with:\n{worker.StderrTail}"));
        }

        if (!_killed && _fault is null && !retiring && !(_closing && _idle.IsSet))
        {
            try
            {
                StartWorker(); // a replacement: the pool keeps its size and every other task completes
                IpcMetrics.WorkerRestarted(this, recycled: false);
            }
            catch (Exception e) when (e is not GreenletExit)
            {
                if (_workers.Count == 0)
                {
                    Fault(new GipcException($"The process pool could not start a replacement worker ({e.Message}), and has none left.", e));
                }
                else
                {
                    Hub.ReportError(null, new GipcException($"The process pool could not start a replacement worker ({e.Message}); it goes on with {_workers.Count}.", e));
                }
            }
        }

        if (_closing && _workers.Count == 0)
        {
            _workersGone.Set();
        }

        _wake.Set();
    }

    /// <summary>An initializer failed: the pool cannot run anything; every task fails with the reason.</summary>
    private void Fault(Exception error)
    {
        if (_fault is not null)
        {
            return;
        }

        _fault = error;
        foreach (PoolItem item in _queue.Drain())
        {
            item.Fail(error, this);
            Completed();
        }

        foreach (WorkerHandle w in _workers)
        {
            while (w.TryUnhold(out PoolItem? item))
            {
                item.Fail(error, this);
            }

            w.DisarmKillTimer();
            w.KillGroup();
        }

        ReadyEvent.Set();
        UpdateIdle();
    }

    /// <summary>
    /// The kill timer of a worker fired: the task it runs outlived its timeout, or a cancellation of its item, by the
    /// grace. That task fails (or the item is cancelled), the rest of its item goes back to the queue, and the worker is
    /// killed; its end (OnWorkerEndedAsync) sends what else it held elsewhere and replaces it.
    /// </summary>
    public void KillForHead(WorkerHandle worker)
    {
        if (worker.State == WorkerState.Dead || !worker.Held.TryPeek(out PoolItem? head) || !worker.StillOnTimedTask())
        {
            return; // gone, or moved on to another task of the item (the timer is armed again for it)
        }

        if (head.CancelRequested && head.KillOnCancel)
        {
            head.Cancel(this);
        }
        else
        {
            int index = worker.Slot.Item == head.Id ? worker.Slot.Index : 0;
            if (index < head.Count && head.Without(index) is { } rest)
            {
                rest.Id = ++_nextId;
                _queue.AddFirst(rest);
            }

            head.FailOne(Math.Min(index, head.Count - 1), new ProcessPoolTimeoutException(head.Timeout, worker.Pid, workerKilled: true), this);
        }

        Completed();
        worker.KillGroup();
    }

    // ---- dispatch ----

    private async Task DispatchLoopAsync()
    {
        try
        {
            while (!_killed)
            {
                await _wake.WaitAsync();
                _wake.Clear();
                while (_queue.Count > 0 && !_killed && _fault is null && PickWorker(_queue.First) is { } worker)
                {
                    await SendBatchAsync(worker);
                }
            }
        }
        catch (Exception e) when (e is not GreenletExit)
        {
            // A bug of ours: fail every task with it rather than leave them waiting for a dispatcher that is gone.
            Fault(new GipcException("The process pool's dispatcher failed; the pool cannot run tasks any more.", e));
            throw;
        }
    }

    /// <summary>The worker with room that holds the least (workers still starting count: their items wait in the pipe).</summary>
    private WorkerHandle? PickWorker(PoolItem next)
    {
        WorkerHandle? best = null;
        foreach (WorkerHandle w in _workers)
        {
            if (w.State is WorkerState.Starting or WorkerState.Ready && HasRoom(w, next) && (best is null || w.Held.Count < best.Held.Count))
            {
                best = w;
            }
        }

        return best;
    }

    private static bool HasRoom(WorkerHandle w, PoolItem next)
    {
        if (w.Held.Count == 0)
        {
            return true;
        }

        if (next.Count > 1)
        {
            return w.Held.Count < 2; // a chunk running, one waiting
        }

        long run = next.Method.RunTicks;
        long ahead = run <= 0 ? 2 : Math.Clamp(s_aheadTicks / run, 2, 64);
        return w.Held.Count < ahead;
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private async ValueTask SendBatchAsync(WorkerHandle worker)
    {
        if (Options.MaxTasksPerWorker is { } max && worker.Sent >= max)
        {
            Retire(worker);
            return;
        }

        PoolItem item = _queue.First;
        TaskMethod method = item.Method;
        if (!worker.IsDefined(method))
        {
            _message.Position = 0;
            method.WriteDefine(_message);
            worker.MarkDefined(method);
            try
            {
                await worker.Requests.PutAsync(CopyCodec.Instance, _message.Written, null, default);
            }
            catch (Exception e) when (e is IOException or GipcException)
            {
                return; // the worker is gone: its response reader settles it
            }

            if (_queue.Count == 0 || _queue.First != item)
            {
                return; // the queue changed while the definition went out (a cancellation): start over
            }
        }

        _queue.RemoveFirst();

        // The item: header, then each argument encoded in place. A task whose argument cannot be encoded fails alone;
        // the rest of its item goes back to the front of the queue as a new item.
        _message.Position = 0;
        PoolProtocol.WriteByte(_message, PoolProtocol.Batch);
        PoolProtocol.WriteInt32(_message, method.Id);
        PoolProtocol.WriteInt64(_message, item.TimeoutTicks);
        PoolProtocol.WriteInt64(_message, item.Id);
        PoolProtocol.WriteInt32(_message, item.Count);
        for (int i = 0; i < item.Count; i++)
        {
            int lengthAt = _message.Position;
            PoolProtocol.WriteInt32(_message, 0);
            try
            {
                item.WriteArgument(i, _message);
            }
            catch (Exception e)
            {
                if (item.Without(i) is { } rest)
                {
                    rest.Id = ++_nextId;
                    _queue.AddFirst(rest);
                }

                item.FailOne(i, e as GipcException ?? new GipcException($"The argument of a {method.Name} task could not be encoded: {e.Message}", e), this);
                Completed();
                return;
            }

            _message.Patch(lengthAt, _message.Position - lengthAt - 4);
        }

        worker.Hold(item);
        worker.Sent += item.Count;
        try
        {
            await worker.Requests.PutAsync(CopyCodec.Instance, _message.Written, null, default);
        }
        catch (Exception e) when (e is IOException or GipcException)
        {
            // The worker is gone: its response reader sees it too and settles what it holds, this item included.
        }

        if (Options.MaxTasksPerWorker is { } limitPerWorker && worker.Sent >= limitPerWorker)
        {
            Retire(worker);
        }
    }

    /// <summary>Recycling: the worker gets nothing more; it exits once it has answered what it holds, and is replaced.</summary>
    private void Retire(WorkerHandle worker)
    {
        if (worker.State is WorkerState.Retiring or WorkerState.Dead)
        {
            return;
        }

        worker.State = WorkerState.Retiring;
        _message.Position = 0;
        PoolProtocol.WriteByte(_message, PoolProtocol.Retire);
        try
        {
            _ = worker.Requests.PutAsync(CopyCodec.Instance, _message.Written, null, default);
        }
        catch (Exception e) when (e is IOException or GipcException)
        {
            // the worker is gone already: its end is settled like any other
        }

        StartWorker(); // the replacement starts now, while this one finishes
        IpcMetrics.WorkerRestarted(this, recycled: true);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private static async ValueTask SendCancelAsync(WorkerHandle worker, long id)
    {
        try
        {
            await worker.Control.PutAsync(id);
        }
        catch (Exception e) when (e is IOException or GipcException or InvalidOperationException)
        {
            // the worker is gone (its death settles the task), or the pool is ending
        }
    }
}
