using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using GreenProc.Ipc;
using GreenProc.Ipc.Internal;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// One map across the cluster: reads the input lazily into chunks, sends each chunk to a node with a free slot, and
/// writes the results where the consumer reads them (in input order, or as they come).
/// </summary>
/// <remarks>
/// <para>
/// One driver loop (<see cref="RunAsync"/>) owns all the state; chunk calls run concurrently and hand their ends back to
/// it through a queue. Invariants, checked in debug builds: a chunk is in exactly one place (being read, pending, in
/// flight on one node, or done), so at most one call for it is in flight; a chunk is done once, and only a done chunk's
/// results are written; <c>_inFlight</c> counts the calls in flight.
/// </para>
/// <para>
/// A chunk call that fails (the node lost, its connection refused, its silo stopping) sends the chunk back to the front
/// of the queue for another node; after <see cref="DistributedPoolOptions.MaxAttempts"/> losses its tasks fail with
/// <see cref="ClusterNodeLostException"/>. A lost node's calls are cancelled here, so a slow node's late answer is never
/// read: each task is reported once, though a task whose node was lost may have run there too (at-least-once execution,
/// exactly-once results).
/// </para>
/// </remarks>
internal sealed class ClusterMapRun<TArg, TResult>
{
    private readonly NodeTracker _nodes;
    private readonly DistributedPoolOptions _pool;
    private readonly string _task;
    private readonly IEnumerable<TArg>? _items;
    private readonly IAsyncEnumerable<TArg>? _asyncItems;
    private readonly ProcessPoolMapOptions _options;
    private readonly bool _ordered;
    private readonly CancellationToken _userToken;
    private readonly CancellationToken _poolDisposed;
    private readonly CancellationTokenSource _end;                       // ends the run: the consumer left, cancelled, or the pool is disposed
    private readonly Channel<Entry> _output = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly ConcurrentQueue<Ended> _ended = new();               // chunk calls that ended, for the driver
    private readonly SemaphoreSlim _wake = new(0);                        // something for the driver: a call ended, nodes changed, the consumer took results
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _consumed;                                               // results the consumer has taken (any thread)
    private int _windowFull;                                              // 1: the driver stopped reading at the window; the consumer wakes it

    // The driver's own state.
    private IEnumerator<TArg>? _input;
    private IAsyncEnumerator<TArg>? _asyncInput;
    private bool _inputDone;
    private long _fed;                        // items read from the input
    private long _nextSeq;                    // the next chunk's number
    private long _nextEmit;                   // ordered: the next chunk whose results go out
    private readonly Queue<Chunk> _pending = new();   // chunks to send again (lost elsewhere), oldest first
    private readonly Dictionary<long, Entry[]> _ready = [];  // ordered: done chunks waiting for an earlier one
    private int _inFlight;
    private long _inFlightTasks;
    private long _completed;
    private long _failed;
    private int _chunkSize;
    private long? _total;
    private long _starvedSince;               // Stopwatch timestamp since no node could take waiting work; 0 when not starved
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastProgress;

    public ClusterMapRun(NodeTracker nodes, DistributedPoolOptions pool, string task, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems,
        ProcessPoolMapOptions options, bool ordered, CancellationToken userToken, CancellationToken poolDisposed)
    {
        _nodes = nodes;
        _pool = pool;
        _task = task;
        _items = items;
        _asyncItems = asyncItems;
        _options = options;
        _ordered = ordered;
        _userToken = userToken;
        _poolDisposed = poolDisposed;
        _end = CancellationTokenSource.CreateLinkedTokenSource(userToken, poolDisposed);
        _total = items switch
        {
            ICollection<TArg> c => c.Count,
            IReadOnlyCollection<TArg> r => r.Count,
            _ => null,
        };
    }

    /// <summary>One result, or the exception of a task that failed.</summary>
    public readonly record struct Entry(TResult? Value, Exception? Error);

    public ChannelReader<Entry> Output => _output.Reader;

    /// <summary>Completes once the run has ended and the input's enumerator is disposed.</summary>
    public Task Finished => _finished.Task;

    /// <summary>The consumer took a result: the input may be read one further (the driver is woken only if it waits for that).</summary>
    public void Consumed()
    {
        Interlocked.Increment(ref _consumed);
        if (Volatile.Read(ref _windowFull) != 0 && Interlocked.Exchange(ref _windowFull, 0) != 0)
        {
            _wake.Release();
        }
    }

    /// <summary>The consumer is gone: end the run, cancel the calls in flight.</summary>
    public void Abandon()
    {
        try
        {
            _end.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }
    }

    public async Task RunAsync()
    {
        _nodes.Changed += OnNodesChanged;
        Exception? failure = null;
        try
        {
            await DriveAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_end.IsCancellationRequested)
        {
            failure = _poolDisposed.IsCancellationRequested && !_userToken.IsCancellationRequested
                ? new ObjectDisposedException(nameof(DistributedPool), "The distributed pool was disposed before this map ended.")
                : new OperationCanceledException(_userToken);
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            _nodes.Changed -= OnNodesChanged;
            await _end.CancelAsync().ConfigureAwait(false); // calls still in flight end with the run
            await CloseInputAsync().ConfigureAwait(false);
        }

        ReportProgress(force: true);
        _output.Writer.TryComplete(failure);
        _finished.TrySetResult();
        _end.Dispose();
    }

    private void OnNodesChanged()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private async Task DriveAsync()
    {
        try
        {
            await _nodes.WaitForNodesAsync(1, _end.Token).WaitAsync(_pool.NoNodeTimeout, _end.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new ClusterUnavailableException(
                $"No GreenProc cluster node joined within {_pool.NoNodeTimeout.TotalSeconds:0.#} s, so nothing was run. Start silos with AddGreenProcNode (reachable from this client), or raise DistributedPoolOptions.NoNodeTimeout.");
        }

        _chunkSize = _options.ChunkSize ?? ChooseChunkSize();
        _input = _items?.GetEnumerator();
        _asyncInput = _asyncItems?.GetAsyncEnumerator(_end.Token);
        while (true)
        {
            _end.Token.ThrowIfCancellationRequested();
            while (_ended.TryDequeue(out Ended ended))
            {
                OnEnded(ended);
            }

            ReportProgress(force: false);
            if (_inputDone && _pending.Count == 0 && _inFlight == 0)
            {
                Debug.Assert(_ready.Count == 0, "Every chunk is done, so none waits for an earlier one.");
                return;
            }

            await DispatchAsync().ConfigureAwait(false);
            TimeSpan wait = CheckStarved();
            if (_ended.IsEmpty)
            {
                await _wake.WaitAsync(wait, _end.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>With no node able to take waiting work: the time left before the map fails (fails it when none is left).</summary>
    private TimeSpan CheckStarved()
    {
        bool waiting = _pending.Count > 0 || (!_inputDone && _inFlight == 0);
        if (!waiting || Array.Exists(_nodes.Nodes, n => n.Usable))
        {
            _starvedSince = 0;
            return TimeSpan.FromMilliseconds(-1);
        }

        if (_starvedSince == 0)
        {
            _starvedSince = Stopwatch.GetTimestamp();
        }

        if (_pool.NoNodeTimeout == Timeout.InfiniteTimeSpan)
        {
            return Timeout.InfiniteTimeSpan;
        }

        TimeSpan left = _pool.NoNodeTimeout - Stopwatch.GetElapsedTime(_starvedSince);
        if (left <= TimeSpan.Zero)
        {
            throw new ClusterUnavailableException(
                $"No GreenProc cluster node could take work for {_pool.NoNodeTimeout.TotalSeconds:0.#} s (none is active, or all are lost or stopping); {_fed - _completed - _failed} tasks were not run. Start nodes (AddGreenProcNode) or raise DistributedPoolOptions.NoNodeTimeout.");
        }

        return left;
    }

    private int ChooseChunkSize()
    {
        int workers = 0;
        foreach (NodeState node in _nodes.Nodes)
        {
            workers += node.Usable ? node.Workers : 0;
        }

        // Python's rule for a known count (count / (4 x workers)); otherwise 16, which keeps an Orleans call
        // (~0.2 ms round trip measured here) well below the work it carries once tasks take ~0.1 ms (docs/SCALING.md).
        return _total is { } total ? (int)Math.Clamp((total + (4L * Math.Max(workers, 1)) - 1) / (4L * Math.Max(workers, 1)), 1, 1024) : 16;
    }

    private long Window() => _options.MaxInFlight ?? Math.Max(1024, (long)_chunkSize * FreeAndBusySlots() * 2);

    private int FreeAndBusySlots()
    {
        int slots = 0;
        foreach (NodeState node in _nodes.Nodes)
        {
            slots += node.Workers * _pool.ChunksPerWorker;
        }

        return Math.Max(slots, 1);
    }

    /// <summary>Sends chunks (lost ones first, then new ones from the input) while some node has a free slot.</summary>
    private async Task DispatchAsync()
    {
        while (true)
        {
            NodeState? node = Reserve();
            if (node is null)
            {
                return;
            }

            Chunk? chunk = _pending.Count > 0 ? _pending.Dequeue() : await ReadChunkAsync().ConfigureAwait(false);
            if (chunk is null)
            {
                node.Release();
                return;
            }

            Send(chunk, node);
        }
    }

    /// <summary>A slot on the node with the most free ones, or null.</summary>
    private NodeState? Reserve()
    {
        while (true)
        {
            NodeState? best = null;
            int bestFree = 0;
            foreach (NodeState node in _nodes.Nodes)
            {
                int free = node.FreeSlots;
                if (free > bestFree)
                {
                    best = node;
                    bestFree = free;
                }
            }

            if (best is null)
            {
                return null;
            }

            if (best.TryReserve())
            {
                return best;
            }
        }
    }

    /// <summary>The next chunk of the input, encoded; null at its end or when the window is full.</summary>
    private async ValueTask<Chunk?> ReadChunkAsync()
    {
        if (_inputDone)
        {
            return null;
        }

        if (_fed - Interlocked.Read(ref _consumed) >= Window())
        {
            // Set (a full fence), then checked again: a result taken in between either sees the flag or is counted here.
            Interlocked.Exchange(ref _windowFull, 1);
            if (_fed - Interlocked.Read(ref _consumed) >= Window())
            {
                return null;
            }

            Volatile.Write(ref _windowFull, 0);
        }

        var arguments = new List<byte[]>(_chunkSize);
        var buffer = new ArrayBufferWriter<byte>();
        GipcBinaryCodec<TArg> codec = GipcBinaryCodec<TArg>.Instance;
        while (arguments.Count < _chunkSize)
        {
            TArg item;
            if (_input is not null)
            {
                if (!_input.MoveNext())
                {
                    _inputDone = true;
                    break;
                }

                item = _input.Current;
            }
            else
            {
                if (!await _asyncInput!.MoveNextAsync().ConfigureAwait(false))
                {
                    _inputDone = true;
                    break;
                }

                item = _asyncInput.Current;
            }

            buffer.ResetWrittenCount();
            codec.Encode(item, buffer);
            arguments.Add(buffer.WrittenSpan.ToArray());
        }

        if (_inputDone)
        {
            await CloseInputAsync().ConfigureAwait(false);
        }

        if (arguments.Count == 0)
        {
            return null;
        }

        _fed += arguments.Count;
        return new Chunk(_nextSeq++, [.. arguments]);
    }

    private void Send(Chunk chunk, NodeState node)
    {
        Debug.Assert(!chunk.Done && !chunk.Sent, "A chunk is sent only when no call for it is in flight.");
        chunk.Sent = true;
        _inFlight++;
        _inFlightTasks += chunk.Arguments.Length;
        var request = new ChunkRequest
        {
            Task = _task,
            Arguments = chunk.Arguments,
            TaskTimeout = _options.TaskTimeout ?? _pool.TaskTimeout,
            Submitter = _nodes.Submitter,
            Call = _nodes.NextCall(),
        };
        _ = CallAsync(chunk, node, request);
    }

    private async Task CallAsync(Chunk chunk, NodeState node, ChunkRequest request)
    {
        ChunkReply? reply = null;
        Exception? error = null;
        bool lostOnTheWay = false;
        using (var call = CancellationTokenSource.CreateLinkedTokenSource(_end.Token, node.Lost))
        {
            PendingCall pending = node.Track(request.Call, call);
            try
            {
                reply = await node.Grain.RunChunkAsync(request, call.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;

                // Cancelled, lost, or failed on the way: the node may run it still, or get it later.
                node.Abandon(request.Call);
            }
            finally
            {
                node.Untrack(request.Call);
                node.Release();
            }

            lostOnTheWay = error is not null && pending.LostOnTheWay;
        }

        _ended.Enqueue(new Ended(chunk, node, reply, error, lostOnTheWay));
        _wake.Release();
    }

    private void OnEnded(Ended ended)
    {
        (Chunk chunk, NodeState node, ChunkReply? reply, Exception? error, bool lostOnTheWay) = ended;
        Debug.Assert(chunk.Sent && !chunk.Done, "Only a chunk in flight has a call that ends.");
        chunk.Sent = false;
        _inFlight--;
        _inFlightTasks -= chunk.Arguments.Length;
        if (_end.IsCancellationRequested)
        {
            return; // the run is ending: nothing more is written
        }

        if (reply is { Refused: { } why })
        {
            node.ChunkAnswered();
            Finish(chunk, Fill(chunk, new ClusterTaskRefusedException(why)));
        }
        else if (reply is { Stopping: true })
        {
            node.MarkStopping();
            _pending.Enqueue(chunk); // not a loss: the node ran nothing
        }
        else if (reply is not null && reply.Outcomes.Length == chunk.Arguments.Length)
        {
            node.ChunkAnswered();
            Finish(chunk, Decode(reply));
        }
        else
        {
            // A call lost on the way (through a gateway that died) says nothing against its node, which answers.
            if (!node.IsLost && !lostOnTheWay)
            {
                _nodes.Suspect(node);
            }

            chunk.Losses++;
            if (chunk.Losses >= _pool.MaxAttempts)
            {
                string cause = lostOnTheWay ? "the call was lost on the way, though the node answered its heartbeats"
                    : error?.Message ?? "it answered with a malformed reply";
                Finish(chunk, Fill(chunk, new ClusterNodeLostException(
                    $"Chunk {chunk.Seq} ({chunk.Arguments.Length} tasks) was lost on {chunk.Losses} nodes in a row (last {node.Address}: {cause}); its tasks were not reported. Check the nodes' health, or raise DistributedPoolOptions.MaxAttempts.",
                    error)));
            }
            else
            {
                _pending.Enqueue(chunk);
            }
        }
    }

    private static Entry[] Fill(Chunk chunk, Exception error)
    {
        var entries = new Entry[chunk.Arguments.Length];
        Array.Fill(entries, new Entry(default, error));
        return entries;
    }

    private Entry[] Decode(ChunkReply reply)
    {
        var entries = new Entry[reply.Outcomes.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            TaskOutcome o = reply.Outcomes[i];
            try
            {
                entries[i] = o.Kind switch
                {
                    OutcomeKind.Result => new Entry(GipcBinaryCodec<TResult>.Instance.Decode(o.Payload), null),
                    OutcomeKind.Threw => new Entry(default, RemoteError.Read(o.Payload, o.Pid)),
                    OutcomeKind.WorkerCrashed => new Entry(default, new WorkerCrashedException(o.Pid, o.ExitCode, o.Text ?? "", null)),
                    OutcomeKind.TimedOut => new Entry(default, new ProcessPoolTimeoutException(o.Timeout, o.Pid, o.WorkerKilled)),
                    OutcomeKind.Cancelled => new Entry(default, new OperationCanceledException(_userToken)),
                    _ => new Entry(default, new GipcProtocolException($"Node {reply.Node} answered with an unknown outcome ({(int)o.Kind}).")),
                };
            }
            catch (Exception e)
            {
                entries[i] = new Entry(default, e); // a payload this side cannot read fails its task only
            }
        }

        return entries;
    }

    /// <summary>Marks a chunk done and writes its results (in order: once every earlier chunk's are out).</summary>
    private void Finish(Chunk chunk, Entry[] entries)
    {
        Debug.Assert(!chunk.Done, "A chunk is finished once.");
        chunk.Done = true;
        foreach (Entry e in entries)
        {
            if (e.Error is null)
            {
                _completed++;
            }
            else
            {
                _failed++;
            }
        }

        if (!_ordered)
        {
            Write(entries);
            return;
        }

        _ready[chunk.Seq] = entries;
        while (_ready.Remove(_nextEmit, out Entry[]? next))
        {
            Write(next);
            _nextEmit++;
        }
    }

    private void Write(Entry[] entries)
    {
        foreach (Entry e in entries)
        {
            _output.Writer.TryWrite(e);
        }
    }

    private void ReportProgress(bool force)
    {
        if (_options.Progress is not { } progress)
        {
            return;
        }

        long now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastProgress < 100)
        {
            return;
        }

        _lastProgress = now;
        progress.Report(new ProcessPoolProgress(_completed, _failed, _inFlightTasks, _total, _clock.Elapsed));
    }

    private async ValueTask CloseInputAsync()
    {
        IEnumerator<TArg>? input = _input;
        IAsyncEnumerator<TArg>? asyncInput = _asyncInput;
        _input = null;
        _asyncInput = null;
        input?.Dispose();
        if (asyncInput is not null)
        {
            await asyncInput.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A chunk of the input: the driver alone touches it.</summary>
    private sealed class Chunk(long seq, byte[][] arguments)
    {
        public long Seq { get; } = seq;

        public byte[][] Arguments { get; } = arguments;

        public int Losses { get; set; }

        public bool Sent { get; set; }

        public bool Done { get; set; }
    }

    /// <summary>A chunk call's end; <c>LostOnTheWay</c>: cancelled because its node, answering heartbeats, did not know it.</summary>
    private readonly record struct Ended(Chunk Chunk, NodeState Node, ChunkReply? Reply, Exception? Error, bool LostOnTheWay);
}
