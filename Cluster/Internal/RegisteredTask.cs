using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;
using GreenProc.Ipc.Internal;

namespace GreenProc.Cluster.Internal;

/// <summary>A task on a node's allow-list: how to decode its argument, run it on the node's pool and encode its outcome.</summary>
internal abstract class RegisteredTask
{
    protected RegisteredTask(string key) => Key = key;

    /// <summary>The name chunks ask for it by (<see cref="TaskKey"/>).</summary>
    public string Key { get; }

    /// <summary>Runs one task. Only the task's own ends come back as outcomes; an <see cref="ObjectDisposedException"/>
    /// (the node's pool is gone) escapes, and fails the chunk as the node's, not the task's.</summary>
    public abstract Task<TaskOutcome> RunAsync(ProcessPool pool, byte[] argument, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>The outcome of a task that did not return a result.</summary>
    protected static TaskOutcome Failed(Exception error, CancellationToken cancellationToken) => error switch
    {
        WorkerCrashedException crash => new TaskOutcome { Kind = OutcomeKind.WorkerCrashed, Pid = crash.Pid, ExitCode = crash.ExitCode, Text = crash.StderrTail },
        ProcessPoolTimeoutException late => new TaskOutcome { Kind = OutcomeKind.TimedOut, Pid = late.Pid, Timeout = late.Timeout, WorkerKilled = late.WorkerKilled },
        OperationCanceledException when cancellationToken.IsCancellationRequested => new TaskOutcome { Kind = OutcomeKind.Cancelled },
        GipcRemoteException remote => new TaskOutcome { Kind = OutcomeKind.Threw, Pid = remote.ProcessId, Payload = RemoteError.ToBytes(remote) },
        _ => new TaskOutcome { Kind = OutcomeKind.Threw, Pid = Environment.ProcessId, Payload = RemoteError.ToBytes(error) },
    };
}

/// <summary>A registered task of one argument and result type.</summary>
internal sealed class RegisteredTask<TArg, TResult> : RegisteredTask
{
    private readonly Delegate _task;

    public RegisteredTask(string key, Delegate task)
        : base(key) => _task = task;

    public override async Task<TaskOutcome> RunAsync(ProcessPool pool, byte[] argument, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        TArg value;
        try
        {
            value = GipcBinaryCodec<TArg>.Instance.Decode(argument);
        }
        catch (Exception e)
        {
            // An argument this node cannot read fails its task (as a corrupt frame fails its read), never the node.
            return Failed(e, cancellationToken);
        }

        TResult result;
        try
        {
            result = await (_task switch
            {
                Func<TArg, TResult> f => pool.SubmitAsync(f, value, timeout, cancellationToken),
                Func<TArg, CancellationToken, TResult> f => pool.SubmitAsync(f, value, timeout, cancellationToken),
                Func<TArg, Task<TResult>> f => pool.SubmitAsync(f, value, timeout, cancellationToken),
                Func<TArg, CancellationToken, Task<TResult>> f => pool.SubmitAsync(f, value, timeout, cancellationToken),
                _ => throw new InvalidOperationException("Unreachable: a registered task has one of the four shapes."),
            }).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            throw;
        }
        catch (Exception e)
        {
            return Failed(e, cancellationToken);
        }

        var output = new ArrayBufferWriter<byte>();
        GipcBinaryCodec<TResult>.Instance.Encode(result, output);
        return new TaskOutcome { Kind = OutcomeKind.Result, Payload = output.WrittenSpan.ToArray() };
    }
}
