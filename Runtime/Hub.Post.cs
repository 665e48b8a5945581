using System;
using System.Threading;
using GreenProc.Internal;

namespace GreenProc;

// Work queued to the hub: from its own thread straight to the run queue, from other threads through the inbox and a wake-up.
public sealed partial class Hub
{
    /// <summary>Whether the loop is (about to be) blocked in the reactor waiting for a timer, an fd or a post.</summary>
    internal bool IsBlockedInReactor => Volatile.Read(ref _blocked) == 1;

    /// <summary>
    /// Queues <paramref name="callback"/> to run on the hub thread as a hub callback. Safe from any thread: from
    /// another thread it wakes a blocked hub.
    /// </summary>
    /// <remarks>
    /// The hub cannot foresee a post from another thread: if main waits on something only such a post will end,
    /// deadlock detection reports it first. Wait with a <see cref="CancellationToken"/> the other thread cancels,
    /// use <see cref="Green.RunBlocking{T}"/>, or set <see cref="HubOptions.DetectDeadlocks"/> to false.
    /// </remarks>
    /// <param name="callback">The work; its exception goes to <see cref="ErrorHandler"/>.</param>
    public void Post(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        PostWork(new WorkItem(callback, null, null));
    }

    internal void Post(Action<object?> callback, object? state) => PostWork(new WorkItem(callback, state, null));

    /// <summary>Queues work from the hub thread (FIFO).</summary>
    internal void Enqueue(in WorkItem item) => _ready.Enqueue(item);

    /// <summary>Queues work from any thread.</summary>
    internal void PostWork(in WorkItem item)
    {
        if (IsHubThread)
        {
            _ready.Enqueue(item);
            return;
        }

        _inbox.Enqueue(item);

        // Only the poster that sees the loop blocked pays for the wake-up write (one per blocking, not per post).
        if (Interlocked.CompareExchange(ref _blocked, 0, 1) == 1)
        {
            _reactor.Wake();
        }
    }
}
