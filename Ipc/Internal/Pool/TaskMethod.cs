using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;
using System.Threading;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// A task method as the pool sends it: checked once (a static method, or a lambda that captures nothing, of the shape
/// <see cref="WorkerMethod.Shape"/> accepts, whose argument and result the binary codec can carry), numbered, and
/// described to each worker once (a Define message) before its first task there.
/// </summary>
internal sealed class TaskMethod
{
    private static readonly ConcurrentDictionary<MethodInfo, TaskMethod> s_methods = new();
    private static int s_nextId;

    private TaskMethod(MethodInfo method, int id)
    {
        Method = method;
        Id = id;
        (_, _, TakesToken, _) = WorkerMethod.Shape(method);
    }

    public MethodInfo Method { get; }

    /// <summary>The number the pool's messages name the method by (process-wide, so every pool shares it).</summary>
    public int Id { get; }

    public bool TakesToken { get; }

    public string Name => $"{Method.DeclaringType?.Name}.{Method.Name}";

    // The run time per task, smoothed (Stopwatch ticks; 0 until measured): it sizes chunks and how many tasks a
    // worker is sent ahead. Races between pools only blur an estimate.
    private long _runTicks;

    public long RunTicks => Volatile.Read(ref _runTicks);

    /// <summary>The method of <paramref name="task"/>, checked: refused with an ArgumentException or NotSupportedException
    /// (naming the type that cannot be carried) before anything is queued.</summary>
    public static TaskMethod For<TArg, TResult>(Delegate task)
    {
        ArgumentNullException.ThrowIfNull(task);
        MethodInfo method = ProcessTarget.Check(task, "A ProcessPool task", checkReturn: false);
        if (s_methods.TryGetValue(method, out TaskMethod? known))
        {
            return known;
        }

        _ = GipcBinaryCodec<TArg>.Instance;
        _ = GipcBinaryCodec<TResult>.Instance;
        return s_methods.GetOrAdd(method, static m => new TaskMethod(m, Interlocked.Increment(ref s_nextId)));
    }

    /// <summary>A worker's run time of one task, folded into the estimate.</summary>
    public void Observe(long runTicks)
    {
        long old = Volatile.Read(ref _runTicks);
        Volatile.Write(ref _runTicks, old == 0 ? runTicks : old + ((runTicks - old) / 8));
    }

    public void WriteDefine(IBufferWriter<byte> output)
    {
        PoolProtocol.WriteByte(output, PoolProtocol.Define);
        PoolProtocol.WriteInt32(output, Id);
        PoolProtocol.WriteInt32(output, Method.MetadataToken);
        Assembly assembly = Method.DeclaringType!.Assembly;
        PoolProtocol.WriteString(output, assembly.GetName().Name!);
        PoolProtocol.WriteString(output, assembly.Location);
        PoolProtocol.WriteString(output, Method.DeclaringType.FullName!);
    }
}
