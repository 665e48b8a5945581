using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// The entry points of the green runtime (gevent's module-level API): run a hub, spawn greenlets, sleep, wait for
/// fds, time out, and offload blocking calls.
/// </summary>
/// <remarks>
/// Everything except <see cref="Run(Func{Task}, HubOptions?)"/> must be called on a hub thread, from a greenlet.
/// Scheduling is cooperative and deterministic: a greenlet runs until it waits, and ready greenlets run in FIFO
/// order. A blocking call (Thread.Sleep, a synchronous read) blocks every greenlet: use <see cref="RunBlocking{T}"/>.
/// </remarks>
public static partial class Green
{
    /// <summary>
    /// Creates a hub on the calling thread, runs <paramref name="main"/> as the main greenlet until it finishes,
    /// then disposes the hub. Greenlets still alive when main ends are abandoned, as in gevent; output they accepted
    /// and had not written yet (the messages of a gipc writer) is still written before Run returns, waiting for the
    /// reader as long as the writer's exit timeout allows.
    /// </summary>
    /// <param name="main">The main greenlet's body.</param>
    /// <param name="options">Hub settings; null for the defaults.</param>
    /// <exception cref="InvalidOperationException">A hub already runs on this thread.</exception>
    /// <exception cref="HubDeadlockException">Main waited on something nothing could ever set.</exception>
    /// <exception cref="Exception">
    /// Main succeeded, but output accepted during the run could not be delivered when it ended (for gipc, a
    /// <c>GipcUndeliveredException</c>: the reader stopped reading or closed); several such losses come as an
    /// <see cref="AggregateException"/>. When main failed, its error is raised instead and the loss goes to
    /// <see cref="Hub.ErrorHandler"/>.
    /// </exception>
    /// <remarks>Whatever <paramref name="main"/> throws is rethrown here with its original stack.</remarks>
    public static void Run(Func<Task> main, HubOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        Greenlet g = Hub.RunMain(_ => new Greenlet(main), options, out Exception? exitLoss);
        EndRun(g, exitLoss);
        g.GetAsync().GetAwaiter().GetResult();
    }

    /// <summary>Like <see cref="Run(Func{Task}, HubOptions?)"/>, returning main's value.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="main">The main greenlet's body.</param>
    /// <param name="options">Hub settings; null for the defaults.</param>
    /// <returns>What <paramref name="main"/> returned.</returns>
    public static T Run<T>(Func<Task<T>> main, HubOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        var g = (Greenlet<T>)Hub.RunMain(_ => new Greenlet<T>(main), options, out Exception? exitLoss);
        EndRun(g, exitLoss);
        return g.GetAsync().GetAwaiter().GetResult()!;
    }

    /// <summary>
    /// Output accepted and lost at exit is raised when main succeeded; when main failed, its own error is what Run
    /// raises, and the loss goes to the hub's error handler so that it is not silent either.
    /// </summary>
    private static void EndRun(Greenlet main, Exception? exitLoss)
    {
        if (exitLoss is null)
        {
            return;
        }

        if (main.Exception is null)
        {
            ExceptionDispatchInfo.Throw(exitLoss);
        }

        main.Hub.ReportError(null, exitLoss);
    }

    /// <summary>The greenlet running now.</summary>
    /// <exception cref="InvalidOperationException">Not on a hub thread, or in a hub callback.</exception>
    public static Greenlet Current => Hub.RequireCurrent().RequireGreenlet(nameof(Current));

    /// <summary>
    /// The current greenlet's token for awaits GreenProc does not control: cancelled when the greenlet is killed or
    /// when its innermost active <see cref="GreenTimeout"/> scope (or an enclosing one) expires. Pass it on, e.g.
    /// <c>await httpClient.GetAsync(url, Green.CancellationToken)</c>, and a kill or a timeout interrupts that await as
    /// it interrupts GreenProc's own waits. Read it where the await is made: each scope has its own token
    /// (<see cref="GreenTimeout.CancellationToken"/>, <see cref="Greenlet.CancellationToken"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">Not on a hub thread, or not in a greenlet.</exception>
    public static CancellationToken CancellationToken => Hub.RequireCurrent().RequireGreenlet(nameof(CancellationToken)).InterruptToken;

    /// <summary>Creates a greenlet and schedules it to run at a later loop turn (never inline).</summary>
    /// <param name="body">Its body.</param>
    /// <param name="name">A name for reports.</param>
    /// <returns>The greenlet: await it for its end (or its error), or let it run on its own.</returns>
    /// <remarks>
    /// A greenlet is awaitable, so C# warns (CS4014) when an async method drops one: to spawn and not wait, discard it
    /// explicitly, <c>_ = Green.Spawn(...)</c>, as with <c>_ = Task.Run(...)</c>. Its errors are not lost: an error
    /// that escapes a greenlet nobody awaits is reported once through <see cref="Hub.ErrorHandler"/>. To own a set of
    /// greenlets (wait for them, kill them together), spawn them in a <see cref="GreenGroup"/> or <see cref="GreenPool"/>.
    /// </remarks>
    public static Greenlet Spawn(Func<Task> body, string? name = null)
    {
        var g = new Greenlet(body, name);
        g.Start();
        return g;
    }

    /// <summary>Creates a greenlet that returns a value and schedules it.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="body">Its body.</param>
    /// <param name="name">A name for reports.</param>
    /// <returns>The greenlet.</returns>
    public static Greenlet<T> Spawn<T>(Func<Task<T>> body, string? name = null)
    {
        var g = new Greenlet<T>(body, name);
        g.Start();
        return g;
    }

    /// <summary>Creates a greenlet that starts once <paramref name="delay"/> has passed.</summary>
    /// <param name="delay">The delay.</param>
    /// <param name="body">Its body.</param>
    /// <param name="name">A name for reports.</param>
    /// <returns>The greenlet (killing it before the delay ends means it never runs).</returns>
    public static Greenlet SpawnLater(TimeSpan delay, Func<Task> body, string? name = null)
    {
        var g = new Greenlet(body, name);
        g.StartLater(delay);
        return g;
    }

    /// <summary>Creates a greenlet that returns a value and starts once <paramref name="delay"/> has passed.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="delay">The delay.</param>
    /// <param name="body">Its body.</param>
    /// <param name="name">A name for reports.</param>
    /// <returns>The greenlet.</returns>
    public static Greenlet<T> SpawnLater<T>(TimeSpan delay, Func<Task<T>> body, string? name = null)
    {
        var g = new Greenlet<T>(body, name);
        g.StartLater(delay);
        return g;
    }

    /// <summary>
    /// Suspends the current greenlet for <paramref name="delay"/>. <see cref="TimeSpan.Zero"/> puts it at the back
    /// of the run queue without polling for I/O (see <see cref="Yield"/>); a positive delay lets the hub poll.
    /// </summary>
    /// <param name="delay">How long; <see cref="Timeout.InfiniteTimeSpan"/> sleeps until killed or cancelled.</param>
    /// <param name="cancellationToken">Ends the sleep early with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task to await.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static ValueTask Sleep(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        Hub.ValidateTimeout(delay, nameof(delay));
        Hub hub = Hub.RequireCurrent();
        Waiter w = hub.BeginWait(hub.RequireGreenlet(nameof(Sleep)), null);
        if (delay == TimeSpan.Zero)
        {
            w.YieldOnAwait = true;
        }
        else if (delay != Timeout.InfiniteTimeSpan)
        {
            w.ArmSleep(Hub.DueAfter(delay));
        }

        w.ArmCancellation(cancellationToken);
        return w.AsValueTask();
    }

    /// <summary>
    /// Puts the current greenlet at the back of the run queue and resumes once the greenlets ahead of it have run
    /// (gevent's <c>sleep(0)</c>; the same as <c>Sleep(TimeSpan.Zero)</c>, without polling for I/O). A pending kill
    /// or expired timeout is raised here.
    /// </summary>
    /// <returns>An awaitable.</returns>
    public static GreenYieldAwaitable Yield()
    {
        Greenlet current = Hub.RequireCurrent().RequireGreenlet(nameof(Yield));
        current.ThrowIfInterrupted();
        return new GreenYieldAwaitable(current);
    }

    /// <summary>
    /// Waits until <paramref name="fd"/> is readable (or hung up). Two greenlets may not wait to read one fd at
    /// once. Close the fd through GreenProc (<see cref="CloseFd"/>, or a <see cref="SafeFdHandle"/>) so that the
    /// waiter wakes with <see cref="ObjectDisposedException"/>; closed behind GreenProc's back, it cannot.
    /// </summary>
    /// <param name="fd">A pipe, socket, tty, eventfd... (not a regular file: those are always ready).</param>
    /// <param name="timeout">Raises <see cref="GreenTimeoutException"/> when it passes; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task to await.</returns>
    /// <exception cref="ConcurrentObjectUseException">Another greenlet already waits to read this fd.</exception>
    public static ValueTask WaitReadAsync(int fd, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Hub.RequireCurrent().WaitFd(fd, null, FdRegistration.Read, timeout, cancellationToken, nameof(WaitReadAsync));

    /// <summary>Waits until the handle's fd is readable; disposing the handle wakes the waiter with <see cref="ObjectDisposedException"/>.</summary>
    /// <param name="handle">A handle to a pipe or socket (a <see cref="SafeFdHandle"/>, a Socket's SafeHandle...).</param>
    /// <param name="timeout">Raises <see cref="GreenTimeoutException"/> when it passes; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task to await.</returns>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public static ValueTask WaitReadAsync(SafeHandle handle, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return Hub.RequireCurrent().WaitFd(-1, handle, FdRegistration.Read, timeout, cancellationToken, nameof(WaitReadAsync));
    }

    /// <summary>Waits until <paramref name="fd"/> is writable (or its reader is gone). See <see cref="WaitReadAsync(int, TimeSpan?, CancellationToken)"/>.</summary>
    /// <param name="fd">A pipe, socket...</param>
    /// <param name="timeout">Raises <see cref="GreenTimeoutException"/> when it passes; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task to await.</returns>
    public static ValueTask WaitWriteAsync(int fd, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Hub.RequireCurrent().WaitFd(fd, null, FdRegistration.Write, timeout, cancellationToken, nameof(WaitWriteAsync));

    /// <summary>Waits until the handle's fd is writable.</summary>
    /// <param name="handle">A handle to a pipe or socket.</param>
    /// <param name="timeout">Raises <see cref="GreenTimeoutException"/> when it passes; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task to await.</returns>
    public static ValueTask WaitWriteAsync(SafeHandle handle, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return Hub.RequireCurrent().WaitFd(-1, handle, FdRegistration.Write, timeout, cancellationToken, nameof(WaitWriteAsync));
    }

    /// <summary>
    /// Closes an fd known by number, first waking the greenlets waiting on it with
    /// <see cref="ObjectDisposedException"/> and removing it from the reactor.
    /// </summary>
    /// <param name="fd">The fd.</param>
    public static void CloseFd(int fd) => Hub.RequireCurrent().CloseFd(fd);

    /// <summary>
    /// Runs <paramref name="body"/> in the current greenlet under a <see cref="GreenTimeout"/> of
    /// <paramref name="timeout"/>; raises <see cref="GreenTimeoutException"/> if it fires (gevent's <c>with_timeout</c>).
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="timeout">The deadline.</param>
    /// <param name="body">The work.</param>
    /// <returns>What <paramref name="body"/> returned.</returns>
    public static async Task<T> WithTimeout<T>(TimeSpan timeout, Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using GreenTimeout scope = GreenTimeout.Start(timeout);
        try
        {
            return await body().ConfigureAwait(true);
        }
        catch (OperationCanceledException e) when (scope.CancelledByExpiry(e))
        {
            throw new GreenTimeoutException(scope); // a foreign await given this scope's token ran out as a GreenProc wait does
        }
    }

    /// <summary>
    /// The silent form: returns <paramref name="timeoutValue"/> if this call's own timeout fires. An outer
    /// scope's timeout still propagates.
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="timeout">The deadline.</param>
    /// <param name="body">The work.</param>
    /// <param name="timeoutValue">The result when the deadline passes.</param>
    /// <returns>What <paramref name="body"/> returned, or <paramref name="timeoutValue"/>.</returns>
    public static async Task<T> WithTimeout<T>(TimeSpan timeout, Func<Task<T>> body, T timeoutValue)
    {
        ArgumentNullException.ThrowIfNull(body);
        using GreenTimeout scope = GreenTimeout.Start(timeout);
        try
        {
            return await body().ConfigureAwait(true);
        }
        catch (GreenTimeoutException e) when (ReferenceEquals(e.Timeout, scope))
        {
            return timeoutValue;
        }
        catch (OperationCanceledException e) when (scope.CancelledByExpiry(e))
        {
            return timeoutValue; // a foreign await given this scope's token (Green.CancellationToken)
        }
    }

    /// <summary>Runs <paramref name="body"/> under a timeout; raises <see cref="GreenTimeoutException"/> if it fires.</summary>
    /// <param name="timeout">The deadline.</param>
    /// <param name="body">The work.</param>
    /// <returns>A task to await.</returns>
    public static async Task WithTimeout(TimeSpan timeout, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using GreenTimeout scope = GreenTimeout.Start(timeout);
        try
        {
            await body().ConfigureAwait(true);
        }
        catch (OperationCanceledException e) when (scope.CancelledByExpiry(e))
        {
            throw new GreenTimeoutException(scope);
        }
    }

    /// <summary>
    /// Runs a blocking <paramref name="func"/> on a thread-pool thread while the current greenlet waits
    /// cooperatively (other greenlets keep running). If the wait is killed, timed out or cancelled, the call
    /// keeps running to its end on its thread and its result is dropped.
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="func">The blocking work.</param>
    /// <param name="cancellationToken">Stops waiting (not the work).</param>
    /// <returns>What <paramref name="func"/> returned; its exception is rethrown here.</returns>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    public static async ValueTask<T> RunBlocking<T>(Func<T> func, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(func);
        Hub hub = Hub.RequireCurrent();
        var op = new BlockingCall<T>(hub, func);
        await op.Start(hub.RequireGreenlet(nameof(RunBlocking)), cancellationToken);
        return op.GetResult();
    }

    /// <summary>Runs a blocking <paramref name="action"/> on a thread-pool thread while the current greenlet waits cooperatively.</summary>
    /// <param name="action">The blocking work.</param>
    /// <param name="cancellationToken">Stops waiting (not the work).</param>
    /// <returns>A task to await.</returns>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    public static async ValueTask RunBlocking(Action action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        await RunBlocking<bool>(() =>
        {
            action();
            return true;
        }, cancellationToken);
    }
}
