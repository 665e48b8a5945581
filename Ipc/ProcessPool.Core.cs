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
        if (_hub.IsHubThread)
        {
            _core.Submit(item);
        }
        else
        {
            _hub.Post(() => _core.Submit(item));
        }

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

            return new MapEnumerator<TArg, TResult>(run, enumeratorToken);
        }
    }

    /// <summary>The consumer's side of a map: reads its results where the pool's hub writes them.</summary>
    private sealed class MapEnumerator<TArg, TResult>(MapRun<TArg, TResult> run, CancellationToken cancellationToken) : IAsyncEnumerator<TResult>
    {
        private TResult _current = default!;
        private bool _done;

        public TResult Current => _current;

        [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
        public async ValueTask<bool> MoveNextAsync()
        {
            if (_done)
            {
                return false;
            }

            try
            {
                while (await run.Output.WaitToReadAsync(cancellationToken))
                {
                    if (run.Output.TryRead(out MapRun<TArg, TResult>.Entry entry))
                    {
                        run.Consumed();
                        if (entry.Error is { } error)
                        {
                            Finish();
                            error.Throw();
                        }

                        _current = entry.Value!;
                        return true;
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

        public ValueTask DisposeAsync()
        {
            Finish();
            return default;
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
