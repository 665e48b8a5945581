using System;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A FIFO <see cref="GreenQueue{T}"/> that counts unfinished items (gevent's <c>JoinableQueue</c>): every item put
/// counts until a consumer calls <see cref="TaskDone"/> for it; <see cref="JoinAsync"/> waits for the count to reach 0.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class GreenJoinableQueue<T> : GreenQueue<T>
{
    private readonly GreenEvent _allDone = new(set: true);

    /// <summary>Creates an unbounded joinable queue.</summary>
    public GreenJoinableQueue()
        : base(new FifoStore<T>(), 0)
    {
    }

    /// <summary>Creates a joinable queue holding at most <paramref name="maxSize"/> items.</summary>
    /// <param name="maxSize">The bound, 1 or more.</param>
    public GreenJoinableQueue(int maxSize)
        : base(new FifoStore<T>(), maxSize > 0 ? maxSize : throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, "A bounded queue holds at least 1 item."))
    {
    }

    /// <summary>Items put and not yet marked done.</summary>
    public int UnfinishedTasks { get; private set; }

    /// <summary>Marks one item as processed.</summary>
    /// <exception cref="InvalidOperationException">
    /// Called more times than items were put, or from a thread other than its hub's.
    /// </exception>
    public void TaskDone()
    {
        BindHub();
        if (UnfinishedTasks <= 0)
        {
            throw new InvalidOperationException("TaskDone was called more times than items were put in the queue.");
        }

        if (--UnfinishedTasks == 0)
        {
            _allDone.Set();
        }
    }

    /// <summary>Waits until every item put has been marked done.</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>True when all are done, false if the timeout passed first.</returns>
    public ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        BindHub();
        return _allDone.WaitAsync(timeout, cancellationToken);
    }

    private protected override void OnItemAdded()
    {
        if (UnfinishedTasks++ == 0)
        {
            _allDone.Clear();
        }
    }
}
