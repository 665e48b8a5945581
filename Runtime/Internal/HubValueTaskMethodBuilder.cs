using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace GreenProc.Internal;

/// <summary>
/// The builder of every GreenProc async method that returns <see cref="ValueTask"/>
/// (<c>[AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]</c>): <see cref="HubValueTaskMethodBuilder{TResult}"/>
/// without a result.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct HubValueTaskMethodBuilder
{
    private HubValueTaskMethodBuilder<NoResult> _core;

    /// <summary>The ValueTask the method returns.</summary>
    public ValueTask Task => _core.AsValueTask();

    /// <summary>Creates a builder (called by the compiler).</summary>
    /// <returns>The builder.</returns>
    public static HubValueTaskMethodBuilder Create() => default;

    /// <summary>Runs the method up to its first wait.</summary>
    /// <typeparam name="TStateMachine">The compiler's state machine.</typeparam>
    /// <param name="stateMachine">The state machine.</param>
    public void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
        => _core.Start(ref stateMachine);

    /// <summary>Not used.</summary>
    /// <param name="stateMachine">The boxed state machine.</param>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the method.</summary>
    public void SetResult() => _core.SetResult(default);

    /// <summary>Completes the method with its error.</summary>
    /// <param name="exception">The error.</param>
    public void SetException(Exception exception) => _core.SetException(exception);

    /// <summary>Parks the method on <paramref name="awaiter"/>.</summary>
    /// <typeparam name="TAwaiter">The awaiter.</typeparam>
    /// <typeparam name="TStateMachine">The compiler's state machine.</typeparam>
    /// <param name="awaiter">The awaiter.</param>
    /// <param name="stateMachine">The state machine.</param>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => _core.AwaitOnCompleted(ref awaiter, ref stateMachine);

    /// <summary>Parks the method on <paramref name="awaiter"/>.</summary>
    /// <typeparam name="TAwaiter">The awaiter.</typeparam>
    /// <typeparam name="TStateMachine">The compiler's state machine.</typeparam>
    /// <param name="awaiter">The awaiter.</param>
    /// <param name="stateMachine">The state machine.</param>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine
        => _core.AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine);

    /// <summary>The result type of a method without one.</summary>
    internal readonly struct NoResult
    {
    }
}
