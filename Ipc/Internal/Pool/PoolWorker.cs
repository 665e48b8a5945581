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
    private static readonly object s_runningLock = new();
    private static long s_runningId;
    private static CancellationTokenSource? s_runningCts;

    /// <summary>The worker's body (a StartProcess target: static, in GreenProc.Ipc's main module).</summary>
    internal static async Task RunAsync(GipcReader<GipcBuffer> requests, GipcWriter<byte[]> responses, GipcReader<long> control, WorkerSetup setup)
    {
        using WorkerSlot slot = WorkerSlot.Open(ChildHost.ExtraFds[0]);
        FrameWriter output = responses.Frames;
        StartControlThread(control);
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
        var methods = new Dictionary<int, WorkerMethod>();
        var result = new ByteBuilder();
        long lastFlush = Stopwatch.GetTimestamp();
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
                byte kind = ReadRequest(message.Span, methods, out WorkerMethod? method, out long timeoutTicks, out int count, out int position);
                if (kind == PoolProtocol.Retire)
                {
                    return;
                }

                for (int i = 0; i < count; i++)
                {
                    (long id, ReadOnlyMemory<byte> arg) = NextTask(message.Memory, ref position);
                    await RunOneAsync(method!, id, arg, timeoutTicks, slot, output, result);
                    if (Stopwatch.GetTimestamp() - lastFlush >= s_flushEvery)
                    {
                        await Green.Yield();
                        lastFlush = Stopwatch.GetTimestamp();
                    }
                }
            }
        }
    }

    /// <summary>Reads a request: a Define is acted on here; a Batch's header is returned, its tasks follow at <paramref name="position"/>.</summary>
    private static byte ReadRequest(ReadOnlySpan<byte> payload, Dictionary<int, WorkerMethod> methods, out WorkerMethod? method, out long timeoutTicks, out int count, out int position)
    {
        var r = new PoolProtocol.Reader(payload);
        byte kind = r.ReadByte();
        method = null;
        timeoutTicks = 0;
        count = 0;
        if (kind == PoolProtocol.Define)
        {
            int id = r.ReadInt32();
            int token = r.ReadInt32();
            string assembly = r.ReadString(), path = r.ReadString(), type = r.ReadString();
            methods[id] = WorkerMethod.Resolve(assembly, path, type, token);
        }
        else if (kind == PoolProtocol.Batch)
        {
            method = methods.TryGetValue(r.ReadInt32(), out WorkerMethod? m) ? m : throw new GipcProtocolException("The process pool sent a task of a method it had not defined.");
            timeoutTicks = r.ReadInt64();
            count = r.ReadInt32();
        }
        else if (kind != PoolProtocol.Retire)
        {
            throw new GipcProtocolException($"The process pool sent a request of unknown kind {kind}.");
        }

        position = payload.Length - r.Rest.Length;
        return kind;
    }

    private static (long Id, ReadOnlyMemory<byte> Arg) NextTask(ReadOnlyMemory<byte> payload, ref int position)
    {
        var r = new PoolProtocol.Reader(payload.Span[position..]);
        long id = r.ReadInt64();
        int length = r.ReadInt32();
        r.ReadBytes(length);
        ReadOnlyMemory<byte> arg = payload.Slice(position + 12, length);
        position += 12 + length;
        return (id, arg);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    private static async ValueTask RunOneAsync(WorkerMethod method, long id, ReadOnlyMemory<byte> arg, long timeoutTicks, WorkerSlot slot, FrameWriter output, ByteBuilder result)
    {
        if (s_cancelled.TryRemove(id, out _))
        {
            await output.PutAsync(CopyCodec.Instance, Message(PoolProtocol.Canceled, w => PoolProtocol.WriteInt64(w, id)), null, default);
            return;
        }

        // A token only where something can cancel it: a timeout, or a method that takes one (the pool may cancel it).
        CancellationTokenSource? cts = timeoutTicks > 0 || method.TakesToken ? new CancellationTokenSource() : null;
        slot.Running = id;
        lock (s_runningLock)
        {
            s_runningId = id;
            s_runningCts = cts;
        }

        if (cts is not null)
        {
            if (s_cancelled.ContainsKey(id))
            {
                cts.Cancel(); // the cancellation came between the check above and now
            }
            else if (timeoutTicks > 0)
            {
                cts.CancelAfter(TimeSpan.FromTicks(timeoutTicks));
            }
        }

        result.Position = 0;
        PoolProtocol.WriteByte(result, PoolProtocol.Result);
        PoolProtocol.WriteInt64(result, id);
        int elapsedAt = result.Position;
        PoolProtocol.WriteInt64(result, 0);
        long start = Stopwatch.GetTimestamp();
        byte outcome = PoolProtocol.Result;
        Exception? error = null;
        try
        {
            CancellationToken token = cts?.Token ?? default;
            if (method.IsAsync)
            {
                await method.RunAsync(arg.Span, token, result);
            }
            else
            {
                method.Run(arg.Span, token, result);
            }
        }
        catch (OperationCanceledException) when (cts is { IsCancellationRequested: true })
        {
            outcome = s_cancelled.ContainsKey(id) ? PoolProtocol.Canceled : PoolProtocol.TimedOut;
        }
        catch (Exception e)
        {
            outcome = PoolProtocol.Error;
            error = e;
        }
        finally
        {
            lock (s_runningLock)
            {
                s_runningId = 0;
                s_runningCts = null;
            }

            s_cancelled.TryRemove(id, out _);
            cts?.Dispose();
        }

        if (outcome == PoolProtocol.Result)
        {
            result.PatchInt64(elapsedAt, Stopwatch.GetTimestamp() - start);
            await output.PutAsync(CopyCodec.Instance, result.Written, null, default);
        }
        else if (outcome == PoolProtocol.Error)
        {
            await output.PutAsync(CopyCodec.Instance, Message(PoolProtocol.Error, w =>
            {
                PoolProtocol.WriteInt64(w, id);
                RemoteError.Write(error!, w);
            }), null, default);
        }
        else
        {
            await output.PutAsync(CopyCodec.Instance, Message(outcome, w => PoolProtocol.WriteInt64(w, id)), null, default);
        }

        slot.Running = 0; // after the put: a worker that dies putting the result is charged to this task
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
                        s_cancelled[id] = 0;
                        CancellationTokenSource? cts = null;
                        lock (s_runningLock)
                        {
                            if (s_runningId == id)
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
