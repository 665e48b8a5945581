using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc;

/// <summary>A greenlet whose body returns a value (gevent's <c>Greenlet.value</c>).</summary>
/// <typeparam name="T">The type of the value.</typeparam>
public class Greenlet<T> : Greenlet, Internal.IResultSource<T?>
{
    /// <summary>Creates a greenlet that will run <paramref name="body"/> once started.</summary>
    /// <param name="body">The async method to run.</param>
    /// <param name="name">A name for reports.</param>
    /// <exception cref="InvalidOperationException">There is no hub on this thread.</exception>
    public Greenlet(Func<Task<T>> body, string? name = null)
        : base(body ?? throw new ArgumentNullException(nameof(body)), name)
    {
    }

    /// <summary>
    /// The value the body returned; <c>default</c> until it succeeds, and when it was killed, failed or canceled (like
    /// <see cref="Task{TResult}.Result"/> it lives only on the typed greenlet).
    /// </summary>
    public T? Value { get; private set; }

    /// <summary>Waits until the greenlet finishes, then returns its value or raises its error.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Cancels the wait (not the greenlet).</param>
    /// <returns>The value (default if it was killed).</returns>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public new ValueTask<T?> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        EnsureHubThread();
        if (IsReady)
        {
            ThrowIfFailed();
            return new ValueTask<T?>(Value);
        }

        Internal.Waiter<T?> w = Internal.SharedWaiterPool<T?>.Rent();
        Hub.BeginWait(BeginJoin(timeout), this, w);
        w.ResultSource = this; // the waiter returns our value or raises our error: one hop, no async method
        ArmJoin(w, timeout, throwOnTimeout: true, cancellationToken);
        return w.AsValueTaskOfItem();
    }

    T? Internal.IResultSource<T?>.GetResultNow()
    {
        ThrowIfFailed();
        return Value;
    }

    /// <summary>Awaiting the greenlet returns its value or raises its error.</summary>
    /// <returns>The awaiter.</returns>
    public new ValueTaskAwaiter<T?> GetAwaiter() => GetAsync().GetAwaiter();

    /// <summary>Delivers the greenlet's outcome to <paramref name="result"/> when it dies (gevent's <c>link(async_result)</c>).</summary>
    /// <param name="result">Receives the value, or the error (a canceled greenlet's OperationCanceledException, which its
    /// <see cref="GreenAsyncResult{T}.GetAsync"/> then raises, as awaiting the greenlet does); a killed greenlet delivers default.</param>
    public void Link(GreenAsyncResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        AddLink(new ResultLink(result));
    }

    private protected override Task InvokeBody(Delegate body) => ((Func<Task<T>>)body)();

    private protected override void OnBodySucceeded(Task body) => Value = ((Task<T>)body).Result;

    private sealed class ResultLink(GreenAsyncResult<T> result) : Internal.ILinkTarget
    {
        public void OnGreenletReady(Greenlet greenlet) => result.SetFrom((Greenlet<T>)greenlet);
    }
}
