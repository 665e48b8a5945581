using System;
using System.Runtime.CompilerServices;
using System.Threading;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// What <see cref="Green.Yield"/> returns: awaiting it puts the current greenlet at the back of the run queue.
/// A struct with its own awaiter, so the most frequent switch allocates nothing and costs one queue slot.
/// </summary>
public readonly struct GreenYieldAwaitable
{
    private readonly Greenlet _greenlet;

    internal GreenYieldAwaitable(Greenlet greenlet) => _greenlet = greenlet;

    /// <summary>Gets the awaiter.</summary>
    /// <returns>The awaiter.</returns>
    public Awaiter GetAwaiter() => new(_greenlet);

    /// <summary>Awaits the yield (for APIs that want a <see cref="System.Threading.Tasks.Task"/>).</summary>
    /// <returns>A task that completes when the greenlet runs again.</returns>
    public async System.Threading.Tasks.Task AsTask() => await this;

    /// <summary>The awaiter of <see cref="GreenYieldAwaitable"/>.</summary>
    public readonly struct Awaiter : ICriticalNotifyCompletion
    {
        private readonly Greenlet _greenlet;

        internal Awaiter(Greenlet greenlet) => _greenlet = greenlet;

        /// <summary>Always false: a yield always lets the others run first.</summary>
        public bool IsCompleted => false;

        /// <summary>Queues <paramref name="continuation"/> at the back of the run queue, flowing the execution context.</summary>
        /// <param name="continuation">The rest of the greenlet.</param>
        public void OnCompleted(Action continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            ExecutionContext? ec = ExecutionContext.Capture();
            UnsafeOnCompleted(ec is null ? continuation : () => ExecutionContext.Run(ec, static s => ((Action)s!)(), continuation));
        }

        /// <summary>Queues <paramref name="continuation"/> at the back of the run queue.</summary>
        /// <param name="continuation">The rest of the greenlet.</param>
        public void UnsafeOnCompleted(Action continuation)
        {
            Hub hub = _greenlet.Hub;
            if (!hub.IsHubThread)
            {
                throw Hub.WrongThread(hub, "This Green.Yield()");
            }

            hub.Enqueue(new WorkItem(continuation, null, _greenlet));
        }

        /// <summary>Resumes; raises a kill that arrived while the greenlet was queued (its switch point).</summary>
        public void GetResult()
        {
            if (_greenlet.TakePendingThrow() is { } pending)
            {
                throw pending;
            }
        }
    }
}
