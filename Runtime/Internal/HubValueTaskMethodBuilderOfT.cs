using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Internal;

/// <summary>
/// The builder of every GreenProc async method that returns <see cref="ValueTask{TResult}"/>
/// (<c>[AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder&lt;&gt;))]</c>; a convention test holds every method to it).
/// A method that ends without waiting returns its value with no box; one that waits moves its state machine into a
/// pooled <see cref="HubAsyncBox{TResult}"/>, which resumes the awaiting code on its hub whatever its ConfigureAwait.
/// </summary>
/// <typeparam name="TResult">The method's result type.</typeparam>
[StructLayout(LayoutKind.Auto)]
internal struct HubValueTaskMethodBuilder<TResult>
{
    // The method's box once it has waited (or failed); its value while it has not.
    private HubAsyncBox<TResult>? _box;
    private TResult? _result;

    /// <summary>The ValueTask the method returns.</summary>
    public ValueTask<TResult> Task => _box is { } box ? new ValueTask<TResult>(box, box.Version) : new ValueTask<TResult>(_result!);

    /// <summary>Creates a builder (called by the compiler).</summary>
    /// <returns>The builder.</returns>
    public static HubValueTaskMethodBuilder<TResult> Create() => default;

    /// <summary>The non-generic builder's ValueTask.</summary>
    internal ValueTask AsValueTask() => _box is { } box ? new ValueTask(box, box.Version) : default;

    /// <summary>Runs the method up to its first wait, restoring the thread's contexts afterwards (as every BCL builder does).</summary>
    /// <typeparam name="TStateMachine">The compiler's state machine.</typeparam>
    /// <param name="stateMachine">The state machine.</param>
    public void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
        => default(AsyncValueTaskMethodBuilder<TResult>).Start(ref stateMachine); // stateless: the shared core only

    /// <summary>Not used: the state machine is boxed by <see cref="AwaitUnsafeOnCompleted"/>.</summary>
    /// <param name="stateMachine">The boxed state machine.</param>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the method with its value.</summary>
    /// <param name="result">The value.</param>
    public void SetResult(TResult result)
    {
        if (_box is null)
        {
            _result = result; // ended without waiting: Task returns the value itself
        }
        else
        {
            _box.SetResult(result);
        }
    }

    /// <summary>Completes the method with its error (an <see cref="OperationCanceledException"/> makes it canceled).</summary>
    /// <param name="exception">The error.</param>
    public void SetException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (_box is null)
        {
            _box = HubAsyncBox<TResult>.CreateFaulted(exception);
        }
        else
        {
            _box.SetException(exception);
        }
    }

    /// <summary>Parks the method on <paramref name="awaiter"/>.</summary>
    /// <typeparam name="TAwaiter">The awaiter.</typeparam>
    /// <typeparam name="TStateMachine">The compiler's state machine.</typeparam>
    /// <param name="awaiter">The awaiter.</param>
    /// <param name="stateMachine">The state machine.</param>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => awaiter.OnCompleted(GetBox(ref stateMachine).MoveNextAction);

    /// <summary>Parks the method on <paramref name="awaiter"/> (the box restores the execution context itself).</summary>
    /// <typeparam name="TAwaiter">The awaiter.</typeparam>
    /// <typeparam name="TStateMachine">The compiler's state machine.</typeparam>
    /// <param name="awaiter">The awaiter.</param>
    /// <param name="stateMachine">The state machine.</param>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => awaiter.UnsafeOnCompleted(GetBox(ref stateMachine).MoveNextAction);

    private HubAsyncBox<TResult>.StateMachineBox<TStateMachine> GetBox<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        ExecutionContext? context = ExecutionContext.Capture();
        if (_box is HubAsyncBox<TResult>.StateMachineBox<TStateMachine> existing)
        {
            existing.Context = context;
            return existing;
        }

        // The first wait: move the state machine into a box. The builder learns of its box first, so that the copy
        // moved into the box (which runs every later step) knows it too.
        var box = HubAsyncBox<TResult>.StateMachineBox<TStateMachine>.Rent();
        _box = box;
        box.StateMachine = stateMachine;
        box.Context = context;
        return box;
    }
}
