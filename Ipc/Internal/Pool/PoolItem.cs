using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// What the pool sends a worker in one message: one task (<c>SubmitAsync</c>) or a chunk of a map's tasks, all of one
/// method and timeout. The worker runs its tasks in order and answers them in one message, each task with its own
/// outcome. Everything but the constructor and the caller's cancellation callback runs on the pool's hub.
/// </summary>
/// <remarks>
/// A worker that dies inside an item fails only the task it ran (the <see cref="WorkerSlot"/> names it); the item's
/// other tasks go back to the queue as a new item (<see cref="Without"/>), so none is lost and none is failed with it.
/// </remarks>
internal abstract class PoolItem
{
    // Task outcomes in a Results message.
    public const byte Succeeded = 0;
    public const byte Threw = 1;
    public const byte WasCanceled = 2;
    public const byte TimedOut = 3;

    protected PoolItem(TaskMethod method, long timeoutTicks, CancellationToken cancellationToken)
    {
        Method = method;
        TimeoutTicks = timeoutTicks;
        Token = cancellationToken;
    }

    public long Id { get; set; }

    public TaskMethod Method { get; }

    /// <summary>The per-task timeout in TimeSpan ticks (0: none).</summary>
    public long TimeoutTicks { get; }

    public CancellationToken Token { get; }

    /// <summary>How many tasks it holds (1 for a submitted task).</summary>
    public abstract int Count { get; }

    /// <summary>The worker it was sent to, while it is there.</summary>
    public WorkerHandle? Worker { get; set; }

    /// <summary>How many workers died holding it without running one of its tasks (it is sent again; see PoolCore).</summary>
    public int Requeues { get; set; }

    /// <summary>Every task has its outcome: nothing more happens to the item.</summary>
    public bool Done { get; private set; }

    /// <summary>A cancellation was asked while it was at a worker (the worker was told; it answers Canceled).</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Whether the worker is killed if the cancelled task has not stopped after the grace (a caller's
    /// cancellation); a map that ended (failed, or its consumer stopped) lets a running task finish.</summary>
    public bool KillOnCancel { get; set; }

    /// <summary>When the pool asked the worker to cancel it (Stopwatch), for the kill after the grace.</summary>
    public long CancelRequestedAt { get; set; }

    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>The per-task timeout as a span, for messages.</summary>
    public TimeSpan Timeout => TimeSpan.FromTicks(TimeoutTicks);

    public static long TimeoutTicksOf(TimeSpan? timeout)
        => timeout is { } t && t != System.Threading.Timeout.InfiniteTimeSpan ? Math.Max(1, t.Ticks) : 0;

    /// <summary>Writes task <paramref name="index"/>'s argument with the binary codec (throws if it cannot be encoded).</summary>
    public abstract void WriteArgument(int index, IBufferWriter<byte> output);

    /// <summary>The same item without task <paramref name="index"/>, under a new id; null when nothing would remain.</summary>
    public abstract PoolItem? Without(int index);

    /// <summary>Reads a worker's answer (count × (outcome, int32 length, bytes)) and hands each task its outcome.</summary>
    public void Answer(ReadOnlySpan<byte> records, int pid, PoolCore pool)
    {
        var r = new PoolProtocol.Reader(records);
        int completed = 0, failed = 0, canceled = 0;
        for (int i = 0; i < Count; i++)
        {
            byte outcome = r.ReadByte();
            ReadOnlySpan<byte> bytes = r.ReadBytes(r.ReadInt32());
            switch (outcome)
            {
                case Succeeded:
                    SetResult(i, bytes);
                    completed++;
                    break;
                case Threw:
                    SetError(i, RemoteError.Read(bytes, pid));
                    failed++;
                    break;
                case WasCanceled:
                    SetCanceled(i);
                    canceled++;
                    break;
                case TimedOut:
                    SetError(i, new ProcessPoolTimeoutException(Timeout, pid, workerKilled: false));
                    failed++;
                    break;
                default:
                    throw new GipcProtocolException($"A process pool worker answered a task with an unknown outcome {outcome}.");
            }
        }

        IpcMetrics.TasksEnded(pool, completed, failed, canceled);
        Finish();
    }

    /// <summary>Fails task <paramref name="index"/> alone (the rest of the item goes on elsewhere, see <see cref="Without"/>).</summary>
    public void FailOne(int index, Exception error, PoolCore pool)
    {
        SetError(index, error);
        IpcMetrics.TasksEnded(pool, 0, 1, 0);
        Finish();
    }

    /// <summary>Fails every task of the item.</summary>
    public void Fail(Exception error, PoolCore pool)
    {
        if (Done)
        {
            return;
        }

        for (int i = 0; i < Count; i++)
        {
            SetError(i, error);
        }

        IpcMetrics.TasksEnded(pool, 0, Count, 0);
        Finish();
    }

    /// <summary>Cancels every task of the item.</summary>
    public void Cancel(PoolCore pool)
    {
        if (Done)
        {
            return;
        }

        for (int i = 0; i < Count; i++)
        {
            SetCanceled(i);
        }

        IpcMetrics.TasksEnded(pool, 0, 0, Count);
        Finish();
    }

    /// <summary>Decodes and hands over task <paramref name="index"/>'s result; one that cannot be decoded fails the task.</summary>
    protected abstract void SetResult(int index, ReadOnlySpan<byte> result);

    protected abstract void SetError(int index, Exception error);

    protected abstract void SetCanceled(int index);

    private void Finish()
    {
        Done = true;
        Worker = null;
        Registration.Dispose();
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
        : base(method, TimeoutTicksOf(timeout), cancellationToken)
    {
        _argument = argument;
    }

    public Task<TResult> Task => _completion.Task;

    public override int Count => 1;

    public override void WriteArgument(int index, IBufferWriter<byte> output) => GipcBinaryCodec<TArg>.Instance.Encode(_argument, output);

    public override PoolItem? Without(int index) => null;

    protected override void SetResult(int index, ReadOnlySpan<byte> result)
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

    protected override void SetError(int index, Exception error) => _completion.TrySetException(error);

    protected override void SetCanceled(int index) => _completion.TrySetCanceled(Token);
}
