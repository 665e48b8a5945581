using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A value or an error that will be ready later, for greenlets to wait on (gevent's <c>AsyncResult</c>; a green
/// <c>TaskCompletionSource</c>). It is set once: a second <see cref="Set"/> or <see cref="SetException"/> throws
/// (the <c>TrySet</c> forms return false), unlike gevent, which overwrites.
/// </summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <remarks>
/// Use it on its hub's thread only: it belongs to the hub it was created on (or, created outside any hub, to the first
/// hub that uses it), and a call from any other thread throws <see cref="InvalidOperationException"/>.
/// <see cref="Greenlet{T}.Link(GreenAsyncResult{T})"/> makes it the
/// receiver of a greenlet's outcome.
/// </remarks>
[DebuggerDisplay("GreenAsyncResult(ready = {IsReady}, waiters = {_waiters.Count})")]
public sealed class GreenAsyncResult<T> : IWaitSite, IResultSource<T>
{
    // The hub it belongs to: the one it was created on, else the first that used it (every call checks it: Hub.Bind).
    private Hub? _hub = Hub.Current;
    private bool _ready;
    private T? _value;
    private Exception? _exception;
    private WaiterQueue _waiters;

    /// <summary>Whether a value or an error was set.</summary>
    public bool IsReady => _ready;

    /// <summary>Whether a value (not an error) was set.</summary>
    public bool IsSuccessful => _ready && _exception is null;

    /// <summary>The value, or default until one is set.</summary>
    public T? Value => _value;

    /// <summary>The error, or null.</summary>
    public Exception? Exception => _exception;

    /// <summary>Sets the value and wakes every waiter.</summary>
    /// <param name="value">The value.</param>
    /// <exception cref="InvalidOperationException">It was already set.</exception>
    public void Set(T value)
    {
        if (!TrySet(value))
        {
            throw new InvalidOperationException("This GreenAsyncResult is already set; use TrySet to ignore a second result.");
        }
    }

    /// <summary>Sets the error and wakes every waiter; <see cref="GetAsync"/> raises it.</summary>
    /// <param name="exception">The error.</param>
    /// <exception cref="InvalidOperationException">It was already set.</exception>
    public void SetException(Exception exception)
    {
        if (!TrySetException(exception))
        {
            throw new InvalidOperationException("This GreenAsyncResult is already set; use TrySetException to ignore a second result.");
        }
    }

    /// <summary>Sets the value unless already set.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether this call set it.</returns>
    public bool TrySet(T value)
    {
        Hub.Bind(ref _hub, this);
        if (_ready)
        {
            return false;
        }

        _value = value;
        Complete();
        return true;
    }

    /// <summary>Sets the error unless already set.</summary>
    /// <param name="exception">The error.</param>
    /// <returns>Whether this call set it.</returns>
    public bool TrySetException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Hub.Bind(ref _hub, this);
        if (_ready)
        {
            return false;
        }

        _exception = exception;
        Complete();
        return true;
    }

    /// <summary>Waits until it is ready; never raises the stored error.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>True if ready, false if the timeout passed first.</returns>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => WaitCore(timeout, throwOnTimeout: false, cancellationToken);

    /// <summary>Waits until it is ready, then returns the value or raises the error (gevent's <c>get</c>).</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed first.</exception>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Hub hub = Hub.Bind(ref _hub, this);
        if (_ready)
        {
            return _exception is null ? new ValueTask<T>(_value!) : ValueTask.FromException<T>(_exception);
        }

        Hub.ValidateTimeout(timeout, nameof(timeout));
        Waiter<T> w = SharedWaiterPool<T>.Rent();
        hub.BeginWait(hub.RequireGreenlet(nameof(GetAsync)), this, w);
        w.ResultSource = this; // the waiter returns the value or raises the error itself: one hop
        _waiters.Enqueue(w);
        w.ArmDeadline(timeout, throwOnTimeout: true);
        w.ArmCancellation(cancellationToken);
        return w.AsValueTaskOfItem();
    }

    T IResultSource<T>.GetResultNow()
    {
        if (_exception is not null)
        {
            ExceptionDispatchInfo.Throw(_exception);
        }

        return _value!;
    }

    /// <summary>Awaiting the result is <see cref="GetAsync"/>.</summary>
    /// <returns>The awaiter.</returns>
    public ValueTaskAwaiter<T> GetAwaiter() => GetAsync().GetAwaiter();

    private ValueTask<bool> WaitCore(TimeSpan? timeout, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        Hub hub = Hub.Bind(ref _hub, this);
        if (_ready)
        {
            return new ValueTask<bool>(true);
        }

        return hub.ParkOn(this, ref _waiters, timeout, throwOnTimeout, cancellationToken, nameof(WaitAsync)).AsValueTaskOfBool();
    }

    /// <summary>Takes the outcome of <paramref name="greenlet"/> (its value, or what getting it raises: its error or its cancellation).</summary>
    internal void SetFrom(Greenlet<T> greenlet)
    {
        if (greenlet.ErrorOrCancellation is { } error)
        {
            TrySetException(error);
        }
        else
        {
            TrySet(greenlet.Value!);
        }
    }

    private void Complete()
    {
        _ready = true;
        while (_waiters.Dequeue() is { } w)
        {
            w.Wake(null, result: true, from: this);
        }
    }

    void IWaitSite.Abandon(Waiter waiter) => _waiters.Remove(waiter);

    string IWaitSite.Describe(Waiter waiter) => $"a GreenAsyncResult<{typeof(T).Name}> to be set";
}
