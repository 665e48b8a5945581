using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// The worker process of a <see cref="ProcessPool"/>: a StartProcess child whose target is <see cref="RunAsync"/>. It runs
/// the tasks it is sent one at a time, in order, on its hub (an async task parks the hub's only task greenlet, not the
/// hub), and answers each one in order. A thread of its own reads the control pipe, so a cancellation reaches a task
/// that keeps the hub busy.
/// </summary>
internal static class PoolWorker
{
    // Results are put as they are made, and the puts of one hub turn leave in one writev at its end; a batch of short
    // tasks runs in one turn, so after this long the worker yields once to let them go (the pool then sees progress
    // and, if the worker dies, loses less work). 1 ms is 1,000 round trips of a trivial task: no measurable cost.
    private static readonly long s_flushEvery = Stopwatch.Frequency / 1000;

    private static readonly ConcurrentDictionary<long, byte> s_cancelled = new();
    private static int s_cancelledCount; // entries in s_cancelled: a task checks the dictionary only when it is not 0
    private static readonly object s_runningLock = new();
    private static long s_runningItem;
    private static CancellationTokenSource? s_runningCts;

    /// <summary>The worker's body (a StartProcess target: static, in GreenProc.Ipc's main module).</summary>
    internal static async Task RunAsync(GipcReader<GipcBuffer> requests, GipcWriter<byte[]> responses, GipcReader<long> control, byte[] setupBytes)
    {
        WorkerSetup setup = WorkerSetup.FromBytes(setupBytes);
        using WorkerSlot slot = WorkerSlot.Open(ChildHost.ExtraFds[0]);
        FrameWriter output = responses.Frames;
        try
        {
            RunInitializer(setup);
        }
        catch (Exception e)
        {
            var failure = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            await output.PutAsync(CopyCodec.Instance, Message(PoolProtocol.InitFailed, w => RemoteError.Write(failure, w)), null, default);
            throw new GipcException($"The process pool's initializer failed in worker {setup.Number}: {failure.Message}", failure);
        }

        await output.PutAsync(CopyCodec.Instance, Message(PoolProtocol.Ready, w => PoolProtocol.WriteInt32(w, Environment.ProcessId)), null, default);

        // After Ready, off the pool's wait for its workers: cancellations wait in the control pipe until the thread
        // reads them, and the first task has not even arrived yet.
        StartControlThread(control);
        var methods = new Dictionary<int, WorkerMethod>();
        var answer = new ByteBuilder();
        long lastYield = Stopwatch.GetTimestamp();
        while (true)
        {
            GipcBuffer message;
            try
            {
                message = await requests.GetAsync();
            }
            catch (System.IO.EndOfStreamException)
            {
                return; // the pool closed our request pipe: done
            }

            using (message)
            {
                Batch batch = ReadRequest(message.Span, methods);
                if (batch.Kind == PoolProtocol.Retire)
                {
                    return;
                }

                if (batch.Kind != PoolProtocol.Batch)
                {
                    continue;
                }

                await RunItemAsync(batch, message.Memory, slot, answer);
                await output.PutAsync(CopyCodec.Instance, answer.Written, null, default);
                slot.Set(batch.Item, batch.Count); // answered: were the worker to die now, no task of it is to blame
            }

            // The answers of one hub turn leave in one writev at its end; a run of short items is one turn, so now
            // and then the worker yields, to let them go (the pool sees progress, and a death loses less work).
            if (Stopwatch.GetTimestamp() - lastYield >= s_flushEvery)
            {
                await Green.Yield();
                lastYield = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>A request's header (a Define is acted on as it is read).</summary>
    private readonly record struct Batch(byte Kind, WorkerMethod? Method, long TimeoutTicks, long Item, int Count, int Position);

    private static Batch ReadRequest(ReadOnlySpan<byte> payload, Dictionary<int, WorkerMethod> methods)
    {
        var r = new PoolProtocol.Reader(payload);
        byte kind = r.ReadByte();
        switch (kind)
        {
            case PoolProtocol.Define:
            {
                int id = r.ReadInt32();
                int token = r.ReadInt32();
                string assembly = r.ReadString(), path = r.ReadString(), type = r.ReadString();
                methods[id] = WorkerMethod.Resolve(assembly, path, type, token);
                return new Batch(kind, null, 0, 0, 0, 0);
            }

            case PoolProtocol.Batch:
            {
                WorkerMethod method = methods.TryGetValue(r.ReadInt32(), out WorkerMethod? m) ? m : throw new GipcProtocolException("The process pool sent a task of a method it had not defined.");
                long timeoutTicks = r.ReadInt64();
                long item = r.ReadInt64();
                int count = r.ReadInt32();
                return new Batch(kind, method, timeoutTicks, item, count, payload.Length - r.Rest.Length);
            }

            case PoolProtocol.Retire:
                return new Batch(kind, null, 0, 0, 0, 0);
            default:
                throw new GipcProtocolException($"The process pool sent a request of unknown kind {kind}.");
        }
    }

    /// <summary>Runs an item's tasks in order and builds its answer: one record per task (outcome, length, bytes).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private static async ValueTask RunItemAsync(Batch batch, ReadOnlyMemory<byte> payload, WorkerSlot slot, ByteBuilder answer)
    {
        answer.Position = 0;
        PoolProtocol.WriteByte(answer, PoolProtocol.Result);
        PoolProtocol.WriteInt64(answer, batch.Item);
        int runAt = answer.Position;
        PoolProtocol.WriteInt64(answer, 0);
        PoolProtocol.WriteInt32(answer, batch.Count);
        WorkerMethod method = batch.Method!;
        long start = Stopwatch.GetTimestamp();
        int position = batch.Position;
        for (int i = 0; i < batch.Count; i++)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload.Span[position..]);
            ReadOnlyMemory<byte> arg = payload.Slice(position + 4, length);
            position += 4 + length;
            int recordAt = answer.Position;
            PoolProtocol.WriteByte(answer, PoolItem.Succeeded);
            int lengthAt = answer.Position;
            PoolProtocol.WriteInt32(answer, 0);
            if (IsCancelled(batch.Item))
            {
                answer.Position = recordAt;
                PoolProtocol.WriteByte(answer, PoolItem.WasCanceled);
                PoolProtocol.WriteInt32(answer, 0);
                continue;
            }

            slot.Set(batch.Item, i);
            (byte outcome, Exception? error) = method.IsAsync || method.TakesToken || batch.TimeoutTicks > 0
                ? await RunWatchedAsync(method, batch, arg, answer)
                : RunPlain(method, arg, answer);
            if (outcome == PoolItem.Succeeded)
            {
                answer.Patch(lengthAt, answer.Position - lengthAt - 4);
                continue;
            }

            answer.Position = recordAt;
            PoolProtocol.WriteByte(answer, outcome);
            lengthAt = answer.Position;
            PoolProtocol.WriteInt32(answer, 0);
            if (error is not null)
            {
                RemoteError.Write(error, answer);
                answer.Patch(lengthAt, answer.Position - lengthAt - 4);
            }
        }

        if (Volatile.Read(ref s_cancelledCount) != 0 && s_cancelled.TryRemove(batch.Item, out _))
        {
            Interlocked.Decrement(ref s_cancelledCount);
        }

        answer.PatchInt64(runAt, Stopwatch.GetTimestamp() - start);
    }

    private static bool IsCancelled(long item) => Volatile.Read(ref s_cancelledCount) != 0 && s_cancelled.ContainsKey(item);

    /// <summary>A synchronous task that no token can reach: a plain call (the common, cheapest case).</summary>
    private static (byte Outcome, Exception? Error) RunPlain(WorkerMethod method, ReadOnlyMemory<byte> arg, ByteBuilder answer)
    {
        try
        {
            method.Run(arg.Span, default, answer);
            return (PoolItem.Succeeded, null);
        }
        catch (Exception e)
        {
            return (PoolItem.Threw, e);
        }
    }

    /// <summary>A task with a token (its timeout, or the pool's cancellation through the control thread), or async.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    private static async ValueTask<(byte Outcome, Exception? Error)> RunWatchedAsync(WorkerMethod method, Batch batch, ReadOnlyMemory<byte> arg, ByteBuilder answer)
    {
        using var cts = new CancellationTokenSource();
        lock (s_runningLock)
        {
            s_runningItem = batch.Item;
            s_runningCts = cts;
        }

        if (IsCancelled(batch.Item))
        {
            cts.Cancel(); // the cancellation came between the check and now
        }
        else if (batch.TimeoutTicks > 0)
        {
            cts.CancelAfter(TimeSpan.FromTicks(batch.TimeoutTicks));
        }

        try
        {
            if (method.IsAsync)
            {
                await method.RunAsync(arg.Span, cts.Token, answer);
            }
            else
            {
                method.Run(arg.Span, cts.Token, answer);
            }

            return (PoolItem.Succeeded, null);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return (IsCancelled(batch.Item) ? PoolItem.WasCanceled : PoolItem.TimedOut, null);
        }
        catch (Exception e)
        {
            return (PoolItem.Threw, e);
        }
        finally
        {
            lock (s_runningLock)
            {
                s_runningItem = 0;
                s_runningCts = null;
            }
        }
    }

    /// <summary>A small message built in a fresh array (control messages: rare, so their allocation does not matter).</summary>
    private static ReadOnlyMemory<byte> Message(byte kind, Action<IBufferWriter<byte>> body)
    {
        var w = new ArrayBufferWriter<byte>(64);
        PoolProtocol.WriteByte(w, kind);
        body(w);
        return w.WrittenMemory;
    }

    private static void RunInitializer(WorkerSetup setup)
    {
        if (setup.InitializerAssembly is null)
        {
            return;
        }

        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName { Name = setup.InitializerAssembly });
        }
        catch (Exception e) when (e is System.IO.FileNotFoundException or System.IO.FileLoadException)
        {
            assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(setup.InitializerAssemblyPath!);
        }

        var method = assembly.ManifestModule.ResolveMethod(setup.InitializerToken) as MethodInfo;
        if (method is null || method.DeclaringType?.FullName != setup.InitializerType)
        {
            throw new GipcException($"The worker found a different initializer for {setup.InitializerType} than the pool: do both run the same build of the app?");
        }

        object? instance = method.IsStatic ? null : Activator.CreateInstance(method.DeclaringType!, nonPublic: true);
        ParameterInfo[] p = method.GetParameters();
        object?[] args = p.Length == 0 ? [] : [TypedOps.For(p[0].ParameterType).Decode(setup.InitializerArgument!)];
        object? returned = method.Invoke(instance, args);
        if (returned is Task task)
        {
            task.GetAwaiter().GetResult(); // before the worker serves anything; an async initializer runs to its end
        }
    }

    /// <summary>
    /// Reads cancellations on a thread of its own (with a hub of its own): the task being cancelled may be holding the
    /// worker's hub. A cancellation of a task not started yet is kept, and the task is answered Canceled unrun.
    /// </summary>
    private static void StartControlThread(GipcReader<long> control)
    {
        var thread = new Thread(() =>
        {
            try
            {
                Green.Run(async () =>
                {
                    await foreach (long id in control.ReadAllAsync())
                    {
                        if (s_cancelled.TryAdd(id, 0))
                        {
                            Interlocked.Increment(ref s_cancelledCount);
                        }

                        CancellationTokenSource? cts = null;
                        lock (s_runningLock)
                        {
                            if (s_runningItem == id)
                            {
                                cts = s_runningCts;
                            }
                        }

                        try
                        {
                            cts?.Cancel();
                        }
                        catch (ObjectDisposedException)
                        {
                            // it finished meanwhile
                        }
                    }
                });
            }
            catch (Exception)
            {
                // The pool closed the pipe, or the worker is ending (its handles are being closed): nothing to cancel.
            }
        })
        {
            IsBackground = true,
            Name = "pool worker control",
        };
        thread.Start();
    }
}
