using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace GreenProc.Internal;

/// <summary>
/// A waiter that is handed an item when it wakes (a queue's getter) or carries one while it waits (a putter).
/// Pooled by the primitive that owns it, so a blocking get or put allocates nothing in the steady state.
/// </summary>
internal sealed class Waiter<T> : Waiter, IValueTaskSource<T>
{
    private readonly Stack<Waiter<T>> _pool;

    public Waiter(Stack<Waiter<T>> pool) => _pool = pool;

    /// <summary>The item handed over (getter) or to deliver (putter).</summary>
    public T? Item { get; set; }

    public static Waiter<T> Rent(Stack<Waiter<T>> pool) => pool.Count > 0 ? pool.Pop() : new Waiter<T>(pool);

    public ValueTask<T> AsValueTaskOfItem() => new(this, Version);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => ((IValueTaskSource)this).GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => ((IValueTaskSource)this).OnCompleted(continuation, state, token, flags);

    T IValueTaskSource<T>.GetResult(short token)
    {
        T item = Item!;
        object? source = ResultSource;
        GetResultCore(token);
        return source is IResultSource<T> result ? result.GetResultNow() : item;
    }

    private protected override void OnReset() => Item = default;

    private protected override void ReturnToPool(Hub hub)
    {
        if (_pool.Count < 64)
        {
            _pool.Push(this);
        }
    }
}
