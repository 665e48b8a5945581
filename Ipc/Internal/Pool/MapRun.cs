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
/// and queues its items as tasks, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> ahead of the consumer;
/// results go to the consumer in input order (Imap) or as they come; the consumer may be a greenlet of the pool's hub or
/// code on any other thread.
/// </summary>
/// <remarks>
/// Hand-over: results are written to an unbounded channel (bounded in fact by the in-flight limit), whose reader the
/// consumer awaits: its continuation goes through the consumer's own context (a greenlet's, or the thread pool), never
/// inline on the pool's hub. What the consumer takes is counted (<see cref="_consumed"/>, any thread) and lets the
/// feeder read on. Everything else runs on the pool's hub.
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
    private readonly Channel<Entry> _output = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Dictionary<long, Entry> _waiting = new(); // ordered: results that came before their turn
    private readonly HashSet<MapItem> _outstanding = new();    // submitted and not finished
    private readonly GreenEvent _room = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly long? _total;
    private long _taken;          // items read from the input
    private long _delivered;      // entries written to the output, in order (ordered) or as they came
    private long _consumed;       // entries the consumer took (Interlocked: the consumer's thread)
    private int _feederWaiting;   // 1 while the feeder waits for room (Interlocked)
    private long _completed;
    private long _failed;
    private long _lastProgress;
    private bool _inputDone;
    private bool _ended;
    private Exception? _inputError;
    private Greenlet? _feeder;

    public MapRun(PoolCore core, TaskMethod method, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions options, bool ordered, CancellationToken cancellationToken)
    {
        _core = core;
        _method = method;
        _items = items;
        _asyncItems = asyncItems;
        _options = options;
        _ordered = ordered;
        _cancellationToken = cancellationToken;
        _total = items switch
        {
            ICollection<TArg> c => c.Count,
            IReadOnlyCollection<TArg> c => c.Count,
            _ => null,
        };
    }

    public ChannelReader<Entry> Output => _output.Reader;

    /// <summary>A result for the consumer: the value, or what to raise at its position.</summary>
    public readonly record struct Entry(TResult? Value, ExceptionDispatchInfo? Error);

    /// <summary>Starts the feeder (on the pool's hub).</summary>
    public void Start()
    {
        if (_cancellationToken.CanBeCanceled)
        {
            _cancellationToken.UnsafeRegister(static s => ((MapRun<TArg, TResult>)s!).OnCancelRequested(), this);
        }

        _feeder = Green.Spawn(FeedAsync, "pool map feeder");
    }

    /// <summary>The consumer took an entry (any thread).</summary>
    public void Consumed()
    {
        Interlocked.Increment(ref _consumed);
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
        if (_options.ChunkSize is { } fixedSize)
        {
            return fixedSize;
        }

        int workers = _core.Options.Workers;
        if (_total is { } total)
        {
            return (int)Math.Clamp((total + (4L * workers) - 1) / (4L * workers), 1, MaxChunk);
        }

        long run = _method.RunTicks;
        return run <= 0 ? 1 : (int)Math.Clamp(s_chunkTicks / run, 1, MaxChunk);
    }

    private long MaxInFlight() => _options.MaxInFlight ?? Math.Max(4L * _core.Options.Workers * ChunkSize(), 2L * _core.Options.Workers);

    private async Task FeedAsync()
    {
        TimeSpan? timeout = _options.TaskTimeout ?? _core.Options.TaskTimeout;
        try
        {
            if (_asyncItems is not null)
            {
                await using IAsyncEnumerator<TArg> e = _asyncItems.GetAsyncEnumerator(_cancellationToken);
                while (!_ended && await WaitForRoomAsync() && !_ended && await e.MoveNextAsync())
                {
                    Submit(e.Current, timeout);
                }
            }
            else
            {
                using IEnumerator<TArg> e = _items!.GetEnumerator();
                while (!_ended && await WaitForRoomAsync() && !_ended && e.MoveNext())
                {
                    Submit(e.Current, timeout);
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

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WaitForRoomAsync()
    {
        while (!_ended && _taken - Volatile.Read(ref _consumed) >= MaxInFlight())
        {
            Volatile.Write(ref _feederWaiting, 1);
            if (_taken - Volatile.Read(ref _consumed) < MaxInFlight())
            {
                Volatile.Write(ref _feederWaiting, 0); // the consumer took one in between
                break;
            }

            _room.Clear();
            await _room.WaitAsync();
        }

        return !_ended;
    }

    private void Submit(TArg arg, TimeSpan? timeout)
    {
        var item = new MapItem(this, _taken++, arg, ChunkSize(), timeout);
        _outstanding.Add(item);
        _core.Submit(item);
    }

    private void OnOutcome(MapItem item, Entry entry, bool failed)
    {
        _outstanding.Remove(item);
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

        if (!_ordered)
        {
            Deliver(entry);
        }
        else if (item.Index == _delivered)
        {
            Deliver(entry);
            while (_waiting.Remove(_delivered, out Entry next))
            {
                Deliver(next);
            }
        }
        else
        {
            _waiting.Add(item.Index, entry);
        }

        ReportProgress(final: false);
        TryFinish();
    }

    private void Deliver(Entry entry)
    {
        _delivered++;
        _output.Writer.TryWrite(entry);
    }

    private void TryFinish()
    {
        if (!_ended && _inputDone && _delivered == _taken)
        {
            End(_inputError is null ? null : ExceptionDispatchInfo.Capture(_inputError));
        }
    }

    /// <summary>Ends the map: everything outstanding is cancelled, and the consumer sees the end (or the error).</summary>
    private void End(ExceptionDispatchInfo? error)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        _room.Set(); // a waiting feeder looks again, sees the end and stops
        foreach (MapItem item in new List<MapItem>(_outstanding)) // a cancelled item leaves the set as it ends
        {
            _core.CancelItem(item);
        }

        _outstanding.Clear();
        _waiting.Clear();
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

    /// <summary>One item of the map as a pool task.</summary>
    private sealed class MapItem(MapRun<TArg, TResult> run, long index, TArg argument, int batchLimit, TimeSpan? timeout)
        : PoolItem(run._method, timeout, default), IBatchable
    {
        public long Index => index;

        public int BatchLimit => batchLimit;

        public override void WriteArgument(IBufferWriter<byte> output) => GipcBinaryCodec<TArg>.Instance.Encode(argument, output);

        protected override void Deliver(ReadOnlySpan<byte> result)
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

            run.OnOutcome(this, entry, failed);
        }

        protected override void DeliverError(Exception error) => run.OnOutcome(this, new Entry(default, ExceptionDispatchInfo.Capture(error)), failed: true);

        protected override void DeliverCanceled()
            => run.OnOutcome(this, new Entry(default, ExceptionDispatchInfo.Capture(new OperationCanceledException(run._cancellationToken))), failed: true);
    }
}
