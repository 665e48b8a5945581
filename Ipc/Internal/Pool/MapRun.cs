using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// One map over a pool (<c>Imap</c>, <c>ImapUnordered</c>, <c>MapAsync</c>): a feeder greenlet reads the input lazily
/// into chunks (one pool item each), never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the
/// consumer; results go to the consumer in input order (Imap) or as they come; the consumer may be a greenlet of the
/// pool's hub or code on any other thread.
/// </summary>
/// <remarks>
/// Hand-over: the results an answer makes deliverable are written to a channel as one array (a chunk's worth per
/// channel operation, not one per result); the consumer's reads go through its own context (a greenlet's, or the thread
/// pool), never inline on the pool's hub. What the consumer takes is counted (<see cref="_consumed"/>, any thread) and
/// lets the feeder read on. Everything else runs on the pool's hub.
/// </remarks>
internal sealed class MapRun<TArg, TResult>
{
    private const int MaxChunk = 1024;
    private static readonly long s_chunkTicks = Stopwatch.Frequency / 500; // a chunk of ~2 ms of work
    private static readonly long s_progressEvery = Stopwatch.Frequency / 10;

    private readonly PoolCore _core;
    private readonly TaskMethod _method;
    private readonly ProcessPoolMapOptions _options;
    private readonly bool _ordered;
    private readonly IEnumerable<TArg>? _items;
    private readonly IAsyncEnumerable<TArg>? _asyncItems;
    private readonly CancellationToken _cancellationToken;
    private readonly Channel<Entry[]> _output = Channel.CreateUnbounded<Entry[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Dictionary<long, Entry> _waiting = new(); // ordered: results that came before their turn
    private readonly List<Entry> _ready = new();               // deliverable, written to the channel at the next flush
    private readonly HashSet<MapChunk> _outstanding = new();   // submitted and not finished
    private readonly GreenEvent _room = new();

    // Completed once the feeder has stopped reading the input and disposed its enumerator: the consumer's DisposeAsync
    // waits for it, so the user's input is never touched after their loop has ended. Cancelled with the run's end, the
    // token handed to an async input interrupts a MoveNextAsync that would otherwise wait for ever.
    private readonly TaskCompletionSource _inputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopReading;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly long? _total;
    private readonly long _timeoutTicks;
    private long _taken;          // items read from the input
    private long _delivered;      // results moved to _ready (ordered: in order)
    private long _consumed;       // results the consumer took (Interlocked: the consumer's thread)
    private int _feederWaiting;   // 1 while the feeder waits for room (Interlocked)
    private long _completed;
    private long _failed;
    private long _lastProgress;
    private bool _inputDone;
    private bool _ended;
    private Exception? _inputError;

    public MapRun(PoolCore core, TaskMethod method, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions options, bool ordered, CancellationToken cancellationToken)
    {
        _core = core;
        _method = method;
        _items = items;
        _asyncItems = asyncItems;
        _options = options;
        _ordered = ordered;
        _cancellationToken = cancellationToken;
        _stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _timeoutTicks = PoolItem.TimeoutTicksOf(options.TaskTimeout ?? core.Options.TaskTimeout);
        _total = items switch
        {
            ICollection<TArg> c => c.Count,
            IReadOnlyCollection<TArg> c => c.Count,
            _ => null,
        };
    }

    public ChannelReader<Entry[]> Output => _output.Reader;

    /// <summary>Completes when the feeder has stopped reading the input (its enumerator disposed).</summary>
    public Task InputClosed => _inputClosed.Task;

    /// <summary>A result for the consumer: the value, or what to raise at its position.</summary>
    public readonly record struct Entry(TResult? Value, ExceptionDispatchInfo? Error);

    /// <summary>Starts the feeder (on the pool's hub).</summary>
    public void Start()
    {
        if (_cancellationToken.CanBeCanceled)
        {
            _cancellationToken.UnsafeRegister(static s => ((MapRun<TArg, TResult>)s!).OnCancelRequested(), this);
        }

        _ = Green.Spawn(FeedAsync, "pool map feeder");
    }

    /// <summary>The consumer took <paramref name="count"/> results (any thread).</summary>
    public void Consumed(int count)
    {
        Interlocked.Add(ref _consumed, count);
        if (Volatile.Read(ref _feederWaiting) == 1 && Interlocked.Exchange(ref _feederWaiting, 0) == 1)
        {
            _core.Hub.Post(static s => ((MapRun<TArg, TResult>)s!)._room.Set(), this);
        }
    }

    /// <summary>The consumer stopped early (disposed its enumerator): stop reading, cancel what is outstanding.</summary>
    public void Abandon() => _core.Hub.Post(static s => ((MapRun<TArg, TResult>)s!).End(null), this);

    private void OnCancelRequested()
        => _core.Hub.Post(static s =>
        {
            var run = (MapRun<TArg, TResult>)s!;
            run.End(ExceptionDispatchInfo.Capture(new OperationCanceledException(run._cancellationToken)));
        }, this);

    private int ChunkSize()
    {
        int size;
        if (_options.ChunkSize is { } fixedSize)
        {
            size = fixedSize;
        }
        else
        {
            // Python's rule for a known count (four chunks per worker), bounded by ~2 ms of work once the tasks' run
            // time is known; for an unknown count, the run time alone (1 until it is known).
            int workers = _core.Options.Workers;
            long run = _method.RunTicks;
            long byTime = run <= 0 ? (_total is null ? 1 : 16) : Math.Max(1, s_chunkTicks / run);
            long byCount = _total is { } total ? (total + (4L * workers) - 1) / (4L * workers) : long.MaxValue;
            size = (int)Math.Clamp(Math.Min(byTime, byCount), 1, MaxChunk);
        }

        return _core.Options.MaxTasksPerWorker is { } max ? Math.Min(size, max) : size;
    }

    // Enough in flight that every worker has a chunk running and one waiting, twice over; at least 512 per worker, so
    // that one-item chunks of trivial tasks keep the workers busy across the round trips and their answers coalesce
    // (a map of 1-item chunks, 2 workers: 6.45 µs a task pinned with 128 in flight, 1.81 with 1,024; 1.22 and 0.76
    // unpinned). Items are small; a thousand waiting costs little memory.
    private long MaxInFlight(int chunk) => _options.MaxInFlight ?? Math.Max(4L * _core.Options.Workers * chunk, 512L * _core.Options.Workers);

    private async Task FeedAsync()
    {
        try
        {
            await ReadInputAsync();
        }
        finally
        {
            _stopReading.Dispose();
            _inputClosed.TrySetResult();
        }
    }

    private async Task ReadInputAsync()
    {
        try
        {
            if (_asyncItems is not null)
            {
                await using IAsyncEnumerator<TArg> e = _asyncItems.GetAsyncEnumerator(_stopReading.Token);
                var chunk = new List<TArg>();
                while (!_ended)
                {
                    int size = await WaitForRoomAsync();
                    while (chunk.Count < size && !_ended && await e.MoveNextAsync())
                    {
                        chunk.Add(e.Current);
                    }

                    if (chunk.Count == 0)
                    {
                        break;
                    }

                    Submit(chunk);
                }
            }
            else
            {
                using IEnumerator<TArg> e = _items!.GetEnumerator();
                var chunk = new List<TArg>();
                while (!_ended)
                {
                    int size = await WaitForRoomAsync();
                    while (chunk.Count < size && !_ended && e.MoveNext())
                    {
                        chunk.Add(e.Current);
                    }

                    if (chunk.Count == 0)
                    {
                        break;
                    }

                    Submit(chunk);
                }
            }
        }
        catch (Exception e) when (e is not GreenletExit)
        {
            _inputError = e; // raised after the results of the items read before it (gevent's and Python's order)
        }

        _inputDone = true;
        TryFinish();
    }

    /// <summary>Waits until a chunk fits in the in-flight limit; returns how many items to read (0 once ended).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitForRoomAsync()
    {
        while (!_ended)
        {
            int chunk = ChunkSize();
            long limit = MaxInFlight(chunk);
            long room = limit - (_taken - Volatile.Read(ref _consumed));
            if (room > 0)
            {
                return (int)Math.Min(chunk, room);
            }

            Volatile.Write(ref _feederWaiting, 1);
            if (limit - (_taken - Volatile.Read(ref _consumed)) > 0)
            {
                Volatile.Write(ref _feederWaiting, 0); // the consumer took some in between
                continue;
            }

            _room.Clear();
            await _room.WaitAsync();
        }

        return 0;
    }

    private void Submit(List<TArg> items)
    {
        var indexes = new long[items.Count];
        for (int i = 0; i < indexes.Length; i++)
        {
            indexes[i] = _taken++;
        }

        var chunk = new MapChunk(this, [.. items], indexes);
        items.Clear();
        _outstanding.Add(chunk);
        _core.Submit(chunk);
    }

    /// <summary>One task's outcome (inside an answer's decoding: <see cref="Flush"/> follows once the item is done).</summary>
    private void Store(long index, Entry entry, bool failed)
    {
        if (failed)
        {
            _failed++;
        }
        else
        {
            _completed++;
        }

        if (_ended)
        {
            return;
        }

        if (!_ordered || index == _delivered)
        {
            _ready.Add(entry);
            _delivered++;
            while (_ordered && _waiting.Remove(_delivered, out Entry next))
            {
                _ready.Add(next);
                _delivered++;
            }
        }
        else
        {
            _waiting.Add(index, entry);
        }
    }

    /// <summary>An item is done: what became deliverable goes to the consumer in one channel write.</summary>
    private void Flush(MapChunk chunk)
    {
        _outstanding.Remove(chunk);
        if (_ended)
        {
            return;
        }

        if (_ready.Count > 0)
        {
            _output.Writer.TryWrite([.. _ready]);
            _ready.Clear();
        }

        ReportProgress(final: false);
        TryFinish();
    }

    private void TryFinish()
    {
        if (!_ended && _inputDone && _delivered == _taken)
        {
            End(_inputError is null ? null : ExceptionDispatchInfo.Capture(_inputError));
        }
    }

    /// <summary>
    /// Ends the map: everything outstanding is cancelled, and the consumer sees the end (or the error). Only a
    /// cancellation by the caller's token kills a worker whose task does not stop (after the grace); when the map failed
    /// or its consumer stopped, a running task is told through its token and may finish (as Python's map lets it).
    /// </summary>
    private void End(ExceptionDispatchInfo? error)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _room.Set(); // a waiting feeder looks again, sees the end and stops
        try
        {
            _stopReading.Cancel(); // an async input waiting in MoveNextAsync stops too
        }
        catch (ObjectDisposedException)
        {
            // the feeder has already finished reading
        }

        bool byCaller = error?.SourceException is OperationCanceledException oce && oce.CancellationToken == _cancellationToken && _cancellationToken.IsCancellationRequested;
        foreach (MapChunk chunk in new List<MapChunk>(_outstanding)) // a cancelled chunk leaves the set as it ends
        {
            _core.CancelItem(chunk, kill: byCaller);
        }

        _outstanding.Clear();
        _waiting.Clear();
        _ready.Clear();
        ReportProgress(final: true);
        _output.Writer.TryComplete(error?.SourceException);
    }

    private void ReportProgress(bool final)
    {
        if (_options.Progress is not { } progress)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        if (!final && now - _lastProgress < s_progressEvery)
        {
            return;
        }

        _lastProgress = now;
        progress.Report(new ProcessPoolProgress(_completed, _failed, _taken - _completed - _failed, _total, Stopwatch.GetElapsedTime(_start, now)));
    }

    /// <summary>A chunk of the map's items as one pool item.</summary>
    private sealed class MapChunk(MapRun<TArg, TResult> run, TArg[] arguments, long[] indexes)
        : PoolItem(run._method, run._timeoutTicks, default)
    {
        private int _answered;  // tasks with an outcome: the chunk is flushed to the consumer after its last
        private int _expected = arguments.Length; // 1 once split: its other tasks went on in the rest (Without)

        public override int Count => arguments.Length;

        public override void WriteArgument(int index, IBufferWriter<byte> output) => GipcBinaryCodec<TArg>.Instance.Encode(arguments[index], output);

        public override PoolItem? Without(int index)
        {
            if (arguments.Length == 1)
            {
                return null;
            }

            var args = new TArg[arguments.Length - 1];
            var idx = new long[indexes.Length - 1];
            for (int i = 0, j = 0; i < arguments.Length; i++)
            {
                if (i != index)
                {
                    args[j] = arguments[i];
                    idx[j++] = indexes[i];
                }
            }

            var rest = new MapChunk(run, args, idx);
            run._outstanding.Add(rest);
            _expected = 1; // only the task left out ends here
            return rest;
        }

        protected override void SetResult(int index, ReadOnlySpan<byte> result)
        {
            Entry entry;
            bool failed = false;
            try
            {
                entry = new Entry(GipcBinaryCodec<TResult>.Instance.Decode(result), null);
            }
            catch (Exception e)
            {
                entry = new Entry(default, ExceptionDispatchInfo.Capture(new GipcProtocolException($"The result of {Method.Name} could not be decoded: {e.Message}", e)));
                failed = true;
            }

            Outcome(index, entry, failed);
        }

        protected override void SetError(int index, Exception error) => Outcome(index, new Entry(default, ExceptionDispatchInfo.Capture(error)), failed: true);

        protected override void SetCanceled(int index)
            => Outcome(index, new Entry(default, ExceptionDispatchInfo.Capture(new OperationCanceledException(run._cancellationToken))), failed: true);

        private void Outcome(int index, Entry entry, bool failed)
        {
            run.Store(indexes[index], entry, failed);
            if (++_answered == _expected)
            {
                run.Flush(this);
            }
        }
    }
}
