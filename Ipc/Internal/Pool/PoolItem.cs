using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// One task of a <see cref="ProcessPool"/>, from its submission to its outcome. Everything but the constructor and the
/// caller's cancellation callback runs on the pool's hub.
/// </summary>
internal abstract class PoolItem
{
    protected PoolItem(TaskMethod method, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Method = method;
        TimeoutTicks = timeout is { } t && t != Timeout.InfiniteTimeSpan ? Math.Max(1, t.Ticks) : 0;
        Token = cancellationToken;
    }

    public long Id { get; set; }

    public TaskMethod Method { get; }

    /// <summary>The per-task timeout in TimeSpan ticks (0: none).</summary>
    public long TimeoutTicks { get; }

    public CancellationToken Token { get; }

    /// <summary>The worker it was sent to, while it is there.</summary>
    public WorkerHandle? Worker { get; set; }

    /// <summary>How many workers died holding it without it being the task they ran (it is sent again; see WorkerHandle).</summary>
    public int Requeues { get; set; }

    /// <summary>It has its outcome: nothing more happens to it.</summary>
    public bool Done { get; private set; }

    /// <summary>A cancellation was asked while it was at a worker (the worker was told; it answers Canceled).</summary>
    public bool CancelRequested { get; set; }

    /// <summary>When the pool asked the worker to cancel it (Stopwatch), for the kill after the grace.</summary>
    public long CancelRequestedAt { get; set; }

    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>Writes the argument with the binary codec (throws if this value cannot be encoded).</summary>
    public abstract void WriteArgument(IBufferWriter<byte> output);

    public void Succeed(ReadOnlySpan<byte> result)
    {
        if (Finish())
        {
            Deliver(result);
        }
    }

    public void Fail(Exception error)
    {
        if (Finish())
        {
            DeliverError(error);
        }
    }

    public void Cancel()
    {
        if (Finish())
        {
            DeliverCanceled();
        }
    }

    /// <summary>Decodes and hands over the result; a result that cannot be decoded fails the task instead.</summary>
    protected abstract void Deliver(ReadOnlySpan<byte> result);

    protected abstract void DeliverError(Exception error);

    protected abstract void DeliverCanceled();

    private bool Finish()
    {
        if (Done)
        {
            return false;
        }

        Done = true;
        Worker = null;
        Registration.Dispose();
        return true;
    }
}

/// <summary>A task submitted alone (<c>SubmitAsync</c>): its outcome completes a Task.</summary>
internal sealed class SubmitItem<TArg, TResult> : PoolItem
{
    private readonly TArg _argument;

    // Continuations run asynchronously: the hub must never run a caller's code inline (an awaiting greenlet resumes
    // through its own context; a thread without a hub, on the thread pool).
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SubmitItem(TaskMethod method, TArg argument, TimeSpan? timeout, CancellationToken cancellationToken)
        : base(method, timeout, cancellationToken)
    {
        _argument = argument;
    }

    public Task<TResult> Task => _completion.Task;

    public override void WriteArgument(IBufferWriter<byte> output) => GipcBinaryCodec<TArg>.Instance.Encode(_argument, output);

    protected override void Deliver(ReadOnlySpan<byte> result)
    {
        TResult value;
        try
        {
            value = GipcBinaryCodec<TResult>.Instance.Decode(result);
        }
        catch (Exception e)
        {
            _completion.TrySetException(new GipcProtocolException($"The result of {Method.Name} could not be decoded: {e.Message}", e));
            return;
        }

        _completion.TrySetResult(value);
    }

    protected override void DeliverError(Exception error) => _completion.TrySetException(error);

    protected override void DeliverCanceled() => _completion.TrySetCanceled(Token);
}
