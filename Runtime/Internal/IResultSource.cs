namespace GreenProc.Internal;

/// <summary>
/// What a get-style wait reads once it is woken (a greenlet's outcome, an async result). The waiter returns it
/// from its own <c>GetResult</c>, so the awaiting code resumes in one run-queue hop, with no async method between.
/// </summary>
internal interface IResultSource
{
    /// <summary>Raises the stored error, if any.</summary>
    void ThrowIfFailedNow();
}

/// <summary>The typed form of <see cref="IResultSource"/>.</summary>
internal interface IResultSource<T>
{
    /// <summary>Returns the value, or raises the stored error.</summary>
    T GetResultNow();
}

/// <summary>Typed waiters for get-style waits, pooled per thread (a hub runs on one thread).</summary>
internal static class SharedWaiterPool<T>
{
    [System.ThreadStatic]
    private static System.Collections.Generic.Stack<Waiter<T>>? t_pool;

    public static Waiter<T> Rent() => Waiter<T>.Rent(t_pool ??= new());
}
