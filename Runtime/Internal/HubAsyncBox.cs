using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace GreenProc.Internal;

/// <summary>
/// The pending end of a GreenProc async method built by <see cref="HubValueTaskMethodBuilder{TResult}"/>: the
/// method's result or error, and the awaiting code's continuation, which it resumes the way a <see cref="Waiter"/>
/// resumes a greenlet. Pooled per thread and versioned, so a method that has to wait allocates nothing in the steady state.
/// </summary>
/// <remarks>
/// Continuations always run on the hub thread of the code that awaits: inline when the method ends in the awaiting
/// greenlet's own turn (as an inline Task continuation would: one hop for the whole call), else queued at the back
/// of that hub's run queue as that greenlet. The awaiting code's ConfigureAwait does not move it off the hub, as it
/// does not for a <see cref="Waiter"/>: library code that awaits a GreenProc method with ConfigureAwait(false) stays on
/// the hub (run without a SynchronizationContext, see <see cref="ContextFreeContinuation"/>), where a Task would send it
/// to the thread pool (the completing thread has a SynchronizationContext), and where the BCL's pooling builder would
/// stay too but post a normal await through the greenlet's context (a second hop, which reorders greenlets, and a
/// Tuple per call).
/// </remarks>
internal abstract class HubAsyncBox<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    // Put in _continuation by whichever of completion and OnCompleted comes first when completion wins: "ended, not awaited yet".
    private static readonly Action<object?> s_completedSentinel = static _ => Debug.Fail("the completion sentinel is never invoked");
    private static readonly Action<object?> s_runWithContext = static s => ((HubAsyncBox<TResult>)s!).InvokeWithContext();
    private static readonly Action<object?> s_runContextFree = static s =>
    {
        var box = (HubAsyncBox<TResult>)s!;
        ContextFreeContinuation.Invoke(box._continuation!, box._continuationState);
    };
    private static readonly SendOrPostCallback s_invokeForeign = static s => ((HubAsyncBox<TResult>)s!).InvokeWithContext();

    // Bumped on every reuse: a ValueTask of an earlier call is told apart by it.
    private short _version;

    // Set (with the result or error) when the method ends.
    private bool _completed;
    private TResult? _result;
    private Exception? _error;

    // The awaiting code's continuation, and where it runs: the greenlet that awaited on its hub (null greenlet: a hub
    // callback), or, off any hub, the thread's SynchronizationContext or the thread pool.
    private Action<object?>? _continuation;
    private object? _continuationState;
    private Hub? _awaitingHub;
    private Greenlet? _awaitingGreenlet;
    private ExecutionContext? _continuationContext;
    private SynchronizationContext? _foreignContext;
    private bool _contextFree; // the awaiting code used ConfigureAwait(false): see ContextFreeContinuation

    public short Version => _version;

    public void SetResult(TResult result)
    {
        _result = result;
        SignalCompletion();
    }

    public void SetException(Exception error)
    {
        _error = error;
        SignalCompletion();
    }

    /// <summary>A box for a method that failed before it first waited (no state machine to keep).</summary>
    public static HubAsyncBox<TResult> CreateFaulted(Exception error)
    {
        var box = new FaultedBox();
        box.SetException(error);
        return box;
    }

    /// <summary>Clears what the subclass keeps per call and pools it when <paramref name="reusable"/>.</summary>
    private protected abstract void OnReset(bool reusable);

    private void SignalCompletion()
    {
        Volatile.Write(ref _completed, true);
        Action<object?>? continuation = _continuation ?? Interlocked.CompareExchange(ref _continuation, s_completedSentinel, null);
        if (continuation is not null)
        {
            Resume(continuation, mayInline: true);
        }
    }

    private void Resume(Action<object?> continuation, bool mayInline)
    {
        Hub? hub = _awaitingHub;
        Greenlet? greenlet = _awaitingGreenlet;
        if (hub is not null)
        {
            // Inline only in the awaiting greenlet's own turn, and not so deep that a chain of nested methods ending
            // together could exhaust the stack (the check Task makes before it inlines a continuation).
            if (mayInline && _continuationContext is null && hub.IsHubThread && ReferenceEquals(hub.CurrentGreenlet, greenlet)
                && RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                if (_contextFree)
                {
                    ContextFreeContinuation.Invoke(continuation, _continuationState);
                }
                else
                {
                    continuation(_continuationState);
                }
            }
            else if (_continuationContext is not null)
            {
                hub.PostWork(new WorkItem(s_runWithContext, this, greenlet));
            }
            else if (_contextFree)
            {
                hub.PostWork(new WorkItem(s_runContextFree, this, greenlet));
            }
            else
            {
                hub.PostWork(new WorkItem(continuation, _continuationState, greenlet));
            }

            return;
        }

        // Awaited by a thread that runs no hub (rare: a GreenProc ValueTask handed to other code): resume it there as
        // the BCL would, through its SynchronizationContext or on the thread pool, never as foreign code on the hub.
        if (_foreignContext is { } context)
        {
            context.Post(s_invokeForeign, this);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(s_runWithContext, this, preferLocal: false);
        }
    }

    private void InvokeWithContext()
    {
        if (_continuationContext is { } context)
        {
            ExecutionContext.Run(context, static s => ((HubAsyncBox<TResult>)s!).Invoke(), this);
        }
        else
        {
            Invoke();
        }
    }

    private void Invoke()
    {
        if (_contextFree && _awaitingHub is not null)
        {
            ContextFreeContinuation.Invoke(_continuation!, _continuationState);
        }
        else
        {
            _continuation!(_continuationState);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token)
    {
        ValidateToken(token);
        return !Volatile.Read(ref _completed) ? ValueTaskSourceStatus.Pending
            : _error is null ? ValueTaskSourceStatus.Succeeded
            : _error is OperationCanceledException ? ValueTaskSourceStatus.Canceled
            : ValueTaskSourceStatus.Faulted;
    }

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ValidateToken(token);
        if (_continuation is { } existing && !ReferenceEquals(existing, s_completedSentinel))
        {
            throw new InvalidOperationException("A GreenProc async method's ValueTask can be awaited only once.");
        }

        _continuationState = state;
        Hub? hub = Hub.Current;
        _awaitingHub = hub;
        _awaitingGreenlet = hub?.CurrentGreenlet;
        _contextFree = (flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) == 0;
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            _continuationContext = ExecutionContext.Capture();
        }

        if (hub is null && (flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0
            && SynchronizationContext.Current is { } context && context.GetType() != typeof(SynchronizationContext))
        {
            _foreignContext = context;
        }

        Action<object?>? previous = _continuation ?? Interlocked.CompareExchange(ref _continuation, continuation, null);
        if (previous is not null)
        {
            // It ended between the awaiting code's IsCompleted check and now (the ValueTask was kept and awaited
            // later): queue, never run the awaiting code inside its own OnCompleted call.
            _continuation = continuation;
            Resume(continuation, mayInline: false);
        }
    }

    public TResult GetResult(short token)
    {
        ValidateToken(token);
        if (!Volatile.Read(ref _completed))
        {
            throw new InvalidOperationException("The GreenProc async method has not completed; await its ValueTask instead of reading its result.");
        }

        TResult? result = _result;
        Exception? error = _error;
        Reset();
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }

        return result!;
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    private void Reset()
    {
        // A box whose version would wrap is dropped, so that a stale ValueTask can never match a later call.
        bool reusable = _version != short.MaxValue;
        _version++;
        _completed = false;
        _result = default;
        _error = null;
        _continuation = null;
        _continuationState = null;
        _awaitingHub = null;
        _awaitingGreenlet = null;
        _continuationContext = null;
        _foreignContext = null;
        _contextFree = false;
        OnReset(reusable);
    }

    private void ValidateToken(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException("This GreenProc async method's ValueTask was already consumed; a ValueTask can be awaited only once.");
        }
    }

    /// <summary>The box of one method's state machine, moved here at its first wait; pooled per thread.</summary>
    internal sealed class StateMachineBox<TStateMachine> : HubAsyncBox<TResult>, IAsyncMethodBox
        where TStateMachine : IAsyncStateMachine
    {
        private const int MaxPooled = 64;
        private static readonly ContextCallback s_moveNext = static s => ((StateMachineBox<TStateMachine>)s!).StateMachine!.MoveNext();

        // A LIFO of free boxes per thread (a hub runs on one thread), bounded so a burst of waiting calls need not stay allocated.
        [ThreadStatic]
        private static StateMachineBox<TStateMachine>? t_pool;
        [ThreadStatic]
        private static int t_pooled;

        private readonly Action _moveNextAction;
        private StateMachineBox<TStateMachine>? _nextPooled;

        private StateMachineBox() => _moveNextAction = MoveNext;

        /// <summary>The method's state machine (a struct in release builds), run in place.</summary>
        public TStateMachine? StateMachine;

        /// <summary>The execution context at the method's latest wait, restored around each resumption.</summary>
        public ExecutionContext? Context;

        /// <summary>The continuation every wait of the method registers: runs the next step of the state machine.</summary>
        public Action MoveNextAction => _moveNextAction;

        public Type StateMachineType => typeof(TStateMachine);

        public static StateMachineBox<TStateMachine> Rent()
        {
            StateMachineBox<TStateMachine>? box = t_pool;
            if (box is null)
            {
                return new StateMachineBox<TStateMachine>();
            }

            t_pool = box._nextPooled;
            box._nextPooled = null;
            t_pooled--;
            return box;
        }

        private void MoveNext()
        {
            ExecutionContext? context = Context;
            if (context is null)
            {
                StateMachine!.MoveNext();
            }
            else
            {
                ExecutionContext.Run(context, s_moveNext, this);
            }
        }

        private protected override void OnReset(bool reusable)
        {
            StateMachine = default; // let go of the method's locals
            Context = null;
            if (reusable && t_pooled < MaxPooled)
            {
                _nextPooled = t_pool;
                t_pool = this;
                t_pooled++;
            }
        }
    }

    private sealed class FaultedBox : HubAsyncBox<TResult>
    {
        private protected override void OnReset(bool reusable)
        {
        }
    }
}

/// <summary>A box of a GreenProc async method, as the blocked-hub monitor names it.</summary>
internal interface IAsyncMethodBox
{
    /// <summary>The compiler's state machine type (<c>&lt;Method&gt;d__N</c>).</summary>
    Type StateMachineType { get; }
}
