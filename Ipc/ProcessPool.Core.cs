using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;
using GreenProc.Ipc.Internal.Pool;

namespace GreenProc.Ipc;

public sealed partial class ProcessPool
{
    private Task<TResult> Submit<TArg, TResult>(Delegate task, TArg argument, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        Deadline.Validate(timeout, nameof(timeout));
        TaskMethod method = TaskMethod.For<TArg, TResult>(task);
        var item = new SubmitItem<TArg, TResult>(method, argument, timeout ?? Options.TaskTimeout, cancellationToken);
        _core.SubmitFromAnyThread(item);
        return item.Task;
    }

    private async Task<TResult[]> MapCoreAsync<TArg, TResult>(Delegate task, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions? options, CancellationToken cancellationToken)
    {
        IAsyncEnumerable<TResult> results = ImapCore<TArg, TResult>(task, items, asyncItems, options, ordered: true, cancellationToken);
        var list = items is ICollection<TArg> c ? new List<TResult>(c.Count) : new List<TResult>();
        await foreach (TResult r in results)
        {
            list.Add(r);
        }

        return [.. list];
    }

    private IAsyncEnumerable<TResult> ImapCore<TArg, TResult>(Delegate task, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions? options, bool ordered, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (items is null && asyncItems is null)
        {
            throw new ArgumentNullException(nameof(items));
        }

        options = (options ?? new ProcessPoolMapOptions()).Validate();
        TaskMethod method = TaskMethod.For<TArg, TResult>(task);
        return new MapSequence<TArg, TResult>(this, method, items, asyncItems, options, ordered, cancellationToken);
    }

    /// <summary>A map, started when it is enumerated (lazy, as Python's imap): each enumeration is a run of its own.</summary>
    private sealed class MapSequence<TArg, TResult>(ProcessPool pool, TaskMethod method, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions options, bool ordered, CancellationToken cancellationToken)
        : IAsyncEnumerable<TResult>
    {
        public IAsyncEnumerator<TResult> GetAsyncEnumerator(CancellationToken enumeratorToken = default)
        {
            pool.ThrowIfDisposed();
            var run = new MapRun<TArg, TResult>(pool._core, method, items, asyncItems, options, ordered, cancellationToken);
            if (pool._hub.IsHubThread)
            {
                run.Start();
            }
            else
            {
                pool._hub.Post(run.Start);
            }

            return new MapEnumerator<TArg, TResult>(run, pool._stopped?.Task, enumeratorToken);
        }
    }

    /// <summary>
    /// The consumer's side of a map: reads its results where the pool's hub writes them, a batch at a time. Disposing it
    /// ends the map and returns once the input is no longer read (the feeder on the pool's hub has stopped and disposed
    /// the input's enumerator), or the pool's own hub has ended.
    /// </summary>
    private sealed class MapEnumerator<TArg, TResult>(MapRun<TArg, TResult> run, Task? poolStopped, CancellationToken cancellationToken) : IAsyncEnumerator<TResult>
    {
        private MapRun<TArg, TResult>.Entry[] _batch = [];
        private int _next;
        private TResult _current = default!;
        private bool _done;

        public TResult Current => _current;

        public ValueTask<bool> MoveNextAsync()
        {
            // Most calls take the next result of the batch in hand: no await, no allocation.
            return _next < _batch.Length ? new ValueTask<bool>(Take()) : NextBatchAsync();
        }

        [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
        private async ValueTask<bool> NextBatchAsync()
        {
            if (_done)
            {
                return false;
            }

            try
            {
                while (await run.Output.WaitToReadAsync(cancellationToken))
                {
                    if (run.Output.TryRead(out MapRun<TArg, TResult>.Entry[]? batch))
                    {
                        _batch = batch;
                        _next = 0;
                        return Take();
                    }
                }
            }
            catch
            {
                Finish();
                throw;
            }

            _done = true;
            return false;
        }

        private bool Take()
        {
            MapRun<TArg, TResult>.Entry entry = _batch[_next++];
            run.Consumed(1); // counted as each result is taken: the input is read at most MaxInFlight beyond it
            if (entry.Error is { } error)
            {
                Finish();
                _batch = [];
                error.Throw();
            }

            _current = entry.Value!;
            return true;
        }

        public ValueTask DisposeAsync()
        {
            Finish();
            Task closed = run.InputClosed;
            return closed.IsCompleted ? default : new ValueTask(poolStopped is null ? closed : Task.WhenAny(closed, poolStopped));
        }

        private void Finish()
        {
            if (!_done)
            {
                _done = true;
                run.Abandon();
            }
        }
    }
}
