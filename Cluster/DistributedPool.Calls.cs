using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Cluster;

// The public shapes of the pool's calls, as ProcessPool's: four task shapes (sync or async, with or without a
// CancellationToken), each forwarded to one core method (DistributedPool.cs). The first shape carries the docs.
public sealed partial class DistributedPool
{

    /// <summary>
    /// Runs one task on a node and returns its result. The task must be registered on the nodes
    /// (<see cref="ClusterNodeOptions.AddTask{TArg, TResult}(Func{TArg, TResult})"/>); the call is checked here first: a task that cannot
    /// run in another process, or types the binary codec cannot carry, fail it at once.
    /// </summary>
    /// <typeparam name="TArg">The argument's type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="task">The task, a static method: a synchronous task.</param>
    /// <param name="argument">Its argument.</param>
    /// <param name="timeout">How long it may run on its node; null: <see cref="DistributedPoolOptions.TaskTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels it, on its node too.</param>
    /// <returns>The result. The task fails with <see cref="GipcRemoteException"/> (the task threw), <see cref="WorkerCrashedException"/> (its worker died
    /// running it), <see cref="ProcessPoolTimeoutException"/>, <see cref="OperationCanceledException"/>, <see cref="ClusterTaskRefusedException"/>
    /// (a node has not registered the task), <see cref="ClusterNodeLostException"/>, <see cref="ClusterUnavailableException"/>, or
    /// <see cref="ObjectDisposedException"/> (the pool was disposed).</returns>
    /// <exception cref="ArgumentException">The task is an instance method, a capturing lambda, generic, or not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The argument or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, TResult> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <summary>
    /// Runs the task on every item across the nodes and returns the results in input order (Python's <c>Pool.map</c>).
    /// The first task to fail fails the map, with that task's exception (see <see cref="SubmitAsync{TArg, TResult}(Func{TArg, TResult}, TArg, TimeSpan?, CancellationToken)"/>);
    /// the map's other calls are then cancelled.
    /// </summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method registered on the nodes.</param>
    /// <param name="items">The input, read lazily (on the thread pool).</param>
    /// <param name="options">Chunk size, window, per-task timeout, progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the map, on the nodes too.</param>
    /// <returns>The results.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <summary>
    /// Runs the task on every item across the nodes, yielding the results in input order (Python's <c>Pool.imap</c>). Lazy: nothing runs until it is
    /// enumerated, each enumeration is a run of its own, and the input is read no further ahead than
    /// <see cref="ProcessPoolMapOptions.MaxInFlight"/> beyond the results taken. A failed task raises its exception
    /// where its result would come; leaving the loop early cancels the rest.
    /// </summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method registered on the nodes.</param>
    /// <param name="items">The input, read lazily (on the thread pool).</param>
    /// <param name="options">Chunk size, window, per-task timeout, progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the map, on the nodes too.</param>
    /// <returns>The results.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <summary>
    /// Runs the task on every item across the nodes, yielding the results as they come (Python's <c>Pool.imap_unordered</c>). Lazy: nothing runs until it is
    /// enumerated, each enumeration is a run of its own, and the input is read no further ahead than
    /// <see cref="ProcessPoolMapOptions.MaxInFlight"/> beyond the results taken. A failed task raises its exception
    /// where its result would come; leaving the loop early cancels the rest.
    /// </summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method registered on the nodes.</param>
    /// <param name="items">The input, read lazily (on the thread pool).</param>
    /// <param name="options">Chunk size, window, per-task timeout, progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the map, on the nodes too.</param>
    /// <returns>The results.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <inheritdoc cref="Imap{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <inheritdoc cref="ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);

    /// <inheritdoc cref="SubmitAsync{TArg, TResult}(Func{TArg, TResult}, TArg, TimeSpan?, CancellationToken)"/>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <inheritdoc cref="Imap{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <inheritdoc cref="ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <inheritdoc cref="Imap{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <inheritdoc cref="ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);

    /// <inheritdoc cref="SubmitAsync{TArg, TResult}(Func{TArg, TResult}, TArg, TimeSpan?, CancellationToken)"/>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, Task<TResult>> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <inheritdoc cref="Imap{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <inheritdoc cref="ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <inheritdoc cref="Imap{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <inheritdoc cref="ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);

    /// <inheritdoc cref="SubmitAsync{TArg, TResult}(Func{TArg, TResult}, TArg, TimeSpan?, CancellationToken)"/>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <inheritdoc cref="Imap{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <inheritdoc cref="ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Map<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <inheritdoc cref="Imap{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <inheritdoc cref="ImapUnordered{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, ProcessPoolMapOptions?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => Sequence<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);
}
