using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster.Internal;
using GreenProc.Ipc;
using Orleans;

namespace GreenProc.Cluster;

/// <summary>
/// <see cref="ProcessPool"/> across a cluster: the same calls (<c>SubmitAsync</c>, <c>MapAsync</c>, <c>Imap</c>,
/// <c>ImapUnordered</c>, progress, cancellation, per-task timeouts), run on the local pools of Orleans silos that are
/// GreenProc nodes (<see cref="ClusterSiloBuilderExtensions.AddGreenProcNode"/>). The input is read lazily into chunks,
/// each sent to the node with the most free capacity, with a bounded window of chunks in flight.
/// </summary>
/// <remarks>
/// <para>
/// Tasks are the static methods a node has registered (its allow-list), named by their type, method, argument and
/// result; arguments and results travel in GreenProc's binary codec. A task a node has not registered fails with
/// <see cref="ClusterTaskRefusedException"/>. A task's own failures come back as from a local pool:
/// <see cref="GipcRemoteException"/>, <see cref="WorkerCrashedException"/> (not retried: a task that crashes its worker
/// would crash the next one), <see cref="ProcessPoolTimeoutException"/>.
/// </para>
/// <para>
/// A node lost mid-map (it stopped answering for <see cref="DistributedPoolOptions.NodeTimeout"/>, its calls failed, or
/// the cluster declared it dead) has its chunks sent to other nodes, and the map completes. Every task is reported
/// once; a task whose node was lost may have run there as well (at-least-once execution, exactly-once results). A
/// node that joins mid-map gets work at once. A stopping node finishes what it runs and takes nothing new.
/// </para>
/// <para>
/// Usable from plain async code on any thread and from green code (awaiting parks only the greenlet); the input is read
/// on the thread pool. Nothing here needs a hub.
/// </para>
/// </remarks>
[DebuggerDisplay("DistributedPool({Nodes.Count} nodes)")]
public sealed partial class DistributedPool : IAsyncDisposable, IDisposable
{
    private readonly NodeTracker _nodes;
    private readonly CancellationTokenSource _disposed = new();  // ends every map
    private readonly HashSet<Task> _runs = [];                    // maps running, to wait for on dispose
    private int _disposeState;

    /// <summary>Creates the pool on a cluster and starts watching its nodes.</summary>
    /// <param name="grains">The cluster: an <c>IClusterClient</c>, or a silo's <see cref="IGrainFactory"/>.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="grains"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public DistributedPool(IGrainFactory grains, DistributedPoolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        Options = (options ?? DistributedPoolOptions.Default).Validate();
        _nodes = new NodeTracker(grains, Options);
        _nodes.Start();
    }

    /// <summary>The pool's settings.</summary>
    public DistributedPoolOptions Options { get; }

    /// <summary>The nodes known now (those lost are gone from the list).</summary>
    public IReadOnlyList<ClusterNodeInfo> Nodes => Array.ConvertAll(_nodes.Nodes, n => new ClusterNodeInfo(n.Address, n.ProcessId, n.Workers, n.InFlight, n.ChunksDone, n.Usable));

    /// <summary>Waits until <paramref name="count"/> nodes can take work (maps do not need this: they wait for a first node themselves).</summary>
    /// <param name="count">How many nodes; at least 1.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when they are there.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task WaitForNodesAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ThrowIfDisposed();
        return _nodes.WaitForNodesAsync(count, cancellationToken);
    }

    /// <summary>Ends every map (they fail with <see cref="ObjectDisposedException"/>, their calls cancelled on the nodes) and
    /// stops watching the nodes. The nodes and their pools live on: they belong to their silos.</summary>
    /// <returns>A task that completes when the maps have ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeState, 1) != 0)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        Task[] runs;
        lock (_runs)
        {
            runs = [.. _runs];
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
        await _nodes.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>As <see cref="DisposeAsync"/>, waiting for it.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposeState) != 0, this);

    private static string KeyOf<TArg, TResult>(Delegate task)
    {
        Ipc.Internal.Pool.TaskMethod method = Ipc.Internal.Pool.TaskMethod.For<TArg, TResult>(task);
        return TaskKey.Of(method.Method, typeof(TArg), typeof(TResult));
    }

    // Checked before the first await: bad calls throw at once, as ProcessPool's do.
    private Task<TResult> Submit<TArg, TResult>(Delegate task, TArg argument, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ProcessPoolMapOptions options = new ProcessPoolMapOptions { ChunkSize = 1, TaskTimeout = timeout }.Validate(); // the timeout checked as the pool checks it
        return SubmitCore(new MapSequence<TArg, TResult>(this, KeyOf<TArg, TResult>(task), [argument], null, options, ordered: false, cancellationToken));

        static async Task<TResult> SubmitCore(IAsyncEnumerable<TResult> one)
        {
            await foreach (TResult result in one.ConfigureAwait(false))
            {
                return result;
            }

            throw new InvalidOperationException("Unreachable: a map of one item yields one result or throws.");
        }
    }

    private Task<TResult[]> Map<TArg, TResult>(Delegate task, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions? options, CancellationToken cancellationToken)
    {
        IAsyncEnumerable<TResult> sequence = Sequence<TArg, TResult>(task, items, asyncItems, options, ordered: true, cancellationToken);
        return MapCore(sequence, items is ICollection<TArg> c ? c.Count : 0);

        static async Task<TResult[]> MapCore(IAsyncEnumerable<TResult> sequence, int capacity)
        {
            var results = new List<TResult>(capacity);
            await foreach (TResult r in sequence.ConfigureAwait(false))
            {
                results.Add(r);
            }

            return [.. results];
        }
    }

    private IAsyncEnumerable<TResult> Sequence<TArg, TResult>(Delegate task, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions? options, bool ordered, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (items is null && asyncItems is null)
        {
            throw new ArgumentNullException(nameof(items));
        }

        options = (options ?? new ProcessPoolMapOptions()).Validate();
        return new MapSequence<TArg, TResult>(this, KeyOf<TArg, TResult>(task), items, asyncItems, options, ordered, cancellationToken);
    }

    /// <summary>A map, started when it is enumerated (lazy, as Python's imap): each enumeration is a run of its own.</summary>
    private sealed class MapSequence<TArg, TResult>(DistributedPool pool, string key, IEnumerable<TArg>? items, IAsyncEnumerable<TArg>? asyncItems, ProcessPoolMapOptions options, bool ordered, CancellationToken cancellationToken)
        : IAsyncEnumerable<TResult>
    {
        public IAsyncEnumerator<TResult> GetAsyncEnumerator(CancellationToken enumeratorToken = default)
        {
            pool.ThrowIfDisposed();
            var run = new ClusterMapRun<TArg, TResult>(pool._nodes, pool.Options, key, items, asyncItems, options, ordered, cancellationToken, pool._disposed.Token);
            Task running = Task.Run(run.RunAsync);
            lock (pool._runs)
            {
                pool._runs.Add(running);
            }

            _ = running.ContinueWith(
                t =>
                {
                    lock (pool._runs)
                    {
                        pool._runs.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return new MapEnumerator<TArg, TResult>(run, enumeratorToken);
        }
    }

    /// <summary>The consumer's side of a map: reads the results the run writes; disposing it ends the run and returns once
    /// the input is no longer read.</summary>
    private sealed class MapEnumerator<TArg, TResult>(ClusterMapRun<TArg, TResult> run, CancellationToken cancellationToken) : IAsyncEnumerator<TResult>
    {
        private TResult _current = default!;
        private bool _done;

        public TResult Current => _current;

        public async ValueTask<bool> MoveNextAsync()
        {
            if (_done)
            {
                return false;
            }

            try
            {
                while (await run.Output.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (run.Output.TryRead(out ClusterMapRun<TArg, TResult>.Entry entry))
                    {
                        run.Consumed();
                        if (entry.Error is { } error)
                        {
                            throw error;
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

        public async ValueTask DisposeAsync()
        {
            Finish();
            await run.Finished.ConfigureAwait(false);
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
