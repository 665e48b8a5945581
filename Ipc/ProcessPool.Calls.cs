using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc;

// The public shapes of the pool's calls: each takes a task of one of four shapes (sync or async, with or without a
// CancellationToken) and forwards to one core method (ProcessPool.Core.cs).
public sealed partial class ProcessPool
{

    /// <summary>
    /// Runs one task in a worker and returns its result. The call is checked here: a task that cannot run in another
    /// process, or an argument or result type the binary codec cannot carry, fails it at once.
    /// </summary>
    /// <typeparam name="TArg">The argument's type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task.</param>
    /// <param name="argument">Its argument.</param>
    /// <param name="timeout">How long it may run (see <see cref="ProcessPoolOptions.TaskTimeout"/>); null: the pool's default.</param>
    /// <param name="cancellationToken">Cancels it: not started, it never runs; running, its token fires in the worker, which is
    /// killed if the task has not stopped after <see cref="ProcessPoolOptions.KillGrace"/>.</param>
    /// <returns>The result. The task fails with <see cref="GipcRemoteException"/> (the task threw), <see cref="WorkerCrashedException"/>
    /// (its worker died running it), <see cref="ProcessPoolTimeoutException"/>, <see cref="OperationCanceledException"/>, or
    /// <see cref="ProcessPoolInitializationException"/>.</returns>
    /// <exception cref="ArgumentException">The task is an instance method, a capturing lambda, generic, or not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The argument or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, TResult> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <summary>
    /// Runs one task in a worker and returns its result. The call is checked here: a task that cannot run in another
    /// process, or an argument or result type the binary codec cannot carry, fails it at once.
    /// </summary>
    /// <typeparam name="TArg">The argument's type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="argument">Its argument.</param>
    /// <param name="timeout">How long it may run (see <see cref="ProcessPoolOptions.TaskTimeout"/>); null: the pool's default.</param>
    /// <param name="cancellationToken">Cancels it: not started, it never runs; running, its token fires in the worker, which is
    /// killed if the task has not stopped after <see cref="ProcessPoolOptions.KillGrace"/>.</param>
    /// <returns>The result. The task fails with <see cref="GipcRemoteException"/> (the task threw), <see cref="WorkerCrashedException"/>
    /// (its worker died running it), <see cref="ProcessPoolTimeoutException"/>, <see cref="OperationCanceledException"/>, or
    /// <see cref="ProcessPoolInitializationException"/>.</returns>
    /// <exception cref="ArgumentException">The task is an instance method, a capturing lambda, generic, or not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The argument or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <summary>
    /// Runs one task in a worker and returns its result. The call is checked here: a task that cannot run in another
    /// process, or an argument or result type the binary codec cannot carry, fails it at once.
    /// </summary>
    /// <typeparam name="TArg">The argument's type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task.</param>
    /// <param name="argument">Its argument.</param>
    /// <param name="timeout">How long it may run (see <see cref="ProcessPoolOptions.TaskTimeout"/>); null: the pool's default.</param>
    /// <param name="cancellationToken">Cancels it: not started, it never runs; running, its token fires in the worker, which is
    /// killed if the task has not stopped after <see cref="ProcessPoolOptions.KillGrace"/>.</param>
    /// <returns>The result. The task fails with <see cref="GipcRemoteException"/> (the task threw), <see cref="WorkerCrashedException"/>
    /// (its worker died running it), <see cref="ProcessPoolTimeoutException"/>, <see cref="OperationCanceledException"/>, or
    /// <see cref="ProcessPoolInitializationException"/>.</returns>
    /// <exception cref="ArgumentException">The task is an instance method, a capturing lambda, generic, or not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The argument or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, Task<TResult>> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <summary>
    /// Runs one task in a worker and returns its result. The call is checked here: a task that cannot run in another
    /// process, or an argument or result type the binary codec cannot carry, fails it at once.
    /// </summary>
    /// <typeparam name="TArg">The argument's type.</typeparam>
    /// <typeparam name="TResult">The result's type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="argument">Its argument.</param>
    /// <param name="timeout">How long it may run (see <see cref="ProcessPoolOptions.TaskTimeout"/>); null: the pool's default.</param>
    /// <param name="cancellationToken">Cancels it: not started, it never runs; running, its token fires in the worker, which is
    /// killed if the task has not stopped after <see cref="ProcessPoolOptions.KillGrace"/>.</param>
    /// <returns>The result. The task fails with <see cref="GipcRemoteException"/> (the task threw), <see cref="WorkerCrashedException"/>
    /// (its worker died running it), <see cref="ProcessPoolTimeoutException"/>, <see cref="OperationCanceledException"/>, or
    /// <see cref="ProcessPoolInitializationException"/>.</returns>
    /// <exception cref="ArgumentException">The task is an instance method, a capturing lambda, generic, or not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The argument or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult> SubmitAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, TArg argument, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Submit<TArg, TResult>(task, argument, timeout, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task.</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task.</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task.</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task.</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, items, null, options, cancellationToken);

    /// <summary>Runs the task on every item and returns the results in input order (Python's <c>Pool.map</c>). The first failure in input order is raised, and what is still in flight is cancelled.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results (a task that fails as SubmitAsync's do).</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => MapCoreAsync<TArg, TResult>(task, null, items, options, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task.</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task.</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task.</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task.</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results in input order as they become ready (Python's <c>imap</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised at its item's position and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> Imap<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: true, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task.</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task.</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: a synchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, TResult> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task.</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task.</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, read on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, items, null, options, ordered: false, cancellationToken);

    /// <summary>Runs the task on every item and yields the results as they finish (Python's <c>imap_unordered</c>). The input is read lazily, never more than <see cref="ProcessPoolMapOptions.MaxInFlight"/> items ahead of the consumer, so an infinite input works. A failure is raised when it comes and ends the sequence; stopping early cancels what is in flight.</summary>
    /// <typeparam name="TArg">The items' type.</typeparam>
    /// <typeparam name="TResult">The results' type.</typeparam>
    /// <param name="task">The task, a static method or a lambda that captures nothing: an asynchronous task that watches a cancellation token (it fires when the task's timeout passes or the call is cancelled).</param>
    /// <param name="items">The input, an asynchronous sequence awaited on the pool's hub.</param>
    /// <param name="options">Chunking, in-flight limit, timeout and progress; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole map: queued items never run, running ones are cancelled.</param>
    /// <returns>The results; enumerating raises what SubmitAsync's tasks fail with.</returns>
    /// <exception cref="ArgumentException">The task cannot run in another process, or is not of a task's shape.</exception>
    /// <exception cref="NotSupportedException">The item or result type cannot be carried by the binary codec.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public IAsyncEnumerable<TResult> ImapUnordered<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task, IAsyncEnumerable<TArg> items, ProcessPoolMapOptions? options = null, CancellationToken cancellationToken = default)
        => ImapCore<TArg, TResult>(task, null, items, options, ordered: false, cancellationToken);
}
