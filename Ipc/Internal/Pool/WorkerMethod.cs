using System;
using System.Buffers;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// A task method as a worker runs it: found by metadata token (as StartProcess finds its target), called through a
/// typed delegate (no reflection invoke per task), with its argument decoded and its result encoded by the binary codec.
/// </summary>
internal abstract class WorkerMethod
{
    /// <summary>Whether the method takes a CancellationToken after its argument.</summary>
    public bool TakesToken { get; private protected init; }

    /// <summary>Whether it returns a Task (the worker awaits it; the hub stays free meanwhile).</summary>
    public bool IsAsync { get; private protected init; }

    public static WorkerMethod Resolve(string assemblyName, string assemblyPath, string typeName, int token)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName { Name = assemblyName });
        }
        catch (Exception e) when (e is System.IO.FileNotFoundException or System.IO.FileLoadException)
        {
            assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(assemblyPath);
        }

        var method = assembly.ManifestModule.ResolveMethod(token) as MethodInfo;
        if (method is null || method.DeclaringType?.FullName != typeName)
        {
            throw new GipcException($"The worker found a different method for {typeName} in {assembly.Location} than the pool: do both run the same build of the app?");
        }

        (Type arg, Type result, bool takesToken, bool isAsync) = Shape(method);
        object? instance = method.IsStatic ? null : Activator.CreateInstance(method.DeclaringType!, nonPublic: true);
        return (WorkerMethod)Activator.CreateInstance(typeof(WorkerMethod<,>).MakeGenericType(arg, result), method, instance, takesToken, isAsync)!;
    }

    /// <summary>
    /// What a task method looks like: one argument, optionally a CancellationToken, and a result (or a Task of one).
    /// The pool checks the same shape before it sends anything.
    /// </summary>
    public static (Type Arg, Type Result, bool TakesToken, bool IsAsync) Shape(MethodInfo method)
    {
        ParameterInfo[] p = method.GetParameters();
        bool takesToken = p.Length == 2 && p[1].ParameterType == typeof(CancellationToken);
        if (p.Length != 1 && !takesToken)
        {
            throw new ArgumentException($"A ProcessPool task takes one argument (and optionally a CancellationToken); '{method.Name}' takes {p.Length}. Pass several values as a tuple or record.");
        }

        Type r = method.ReturnType;
        bool isAsync = r.IsGenericType && r.GetGenericTypeDefinition() == typeof(Task<>);
        Type result = isAsync ? r.GetGenericArguments()[0] : r;
        if (result == typeof(void) || result == typeof(Task) || result == typeof(ValueTask) || (r.IsGenericType && r.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            throw new ArgumentException($"A ProcessPool task returns a value or a Task of one; '{method.Name}' returns {r.Name}.");
        }

        return (p[0].ParameterType, result, takesToken, isAsync);
    }

    /// <summary>Runs a synchronous task; its result is encoded into <paramref name="result"/>.</summary>
    public abstract void Run(ReadOnlySpan<byte> arg, CancellationToken cancellationToken, IBufferWriter<byte> result);

    /// <summary>Starts an asynchronous task; the returned task encodes its result into <paramref name="result"/> when it ends.</summary>
    public abstract Task RunAsync(ReadOnlySpan<byte> arg, CancellationToken cancellationToken, IBufferWriter<byte> result);
}

/// <summary>The typed invoker of one task method.</summary>
internal sealed class WorkerMethod<TArg, TResult> : WorkerMethod
{
    private readonly Func<TArg, TResult>? _sync;
    private readonly Func<TArg, CancellationToken, TResult>? _syncWithToken;
    private readonly Func<TArg, Task<TResult>>? _async;
    private readonly Func<TArg, CancellationToken, Task<TResult>>? _asyncWithToken;

    public WorkerMethod(MethodInfo method, object? instance, bool takesToken, bool isAsync)
    {
        TakesToken = takesToken;
        IsAsync = isAsync;
        if (isAsync)
        {
            if (takesToken)
            {
                _asyncWithToken = method.CreateDelegate<Func<TArg, CancellationToken, Task<TResult>>>(instance);
            }
            else
            {
                _async = method.CreateDelegate<Func<TArg, Task<TResult>>>(instance);
            }
        }
        else if (takesToken)
        {
            _syncWithToken = method.CreateDelegate<Func<TArg, CancellationToken, TResult>>(instance);
        }
        else
        {
            _sync = method.CreateDelegate<Func<TArg, TResult>>(instance);
        }
    }

    public override void Run(ReadOnlySpan<byte> arg, CancellationToken cancellationToken, IBufferWriter<byte> result)
    {
        TArg value = GipcBinaryCodec<TArg>.Instance.Decode(arg);
        TResult r = _sync is not null ? _sync(value) : _syncWithToken!(value, cancellationToken);
        GipcBinaryCodec<TResult>.Instance.Encode(r, result);
    }

    public override Task RunAsync(ReadOnlySpan<byte> arg, CancellationToken cancellationToken, IBufferWriter<byte> result)
    {
        TArg value = GipcBinaryCodec<TArg>.Instance.Decode(arg);
        Task<TResult> task = _async is not null ? _async(value) : _asyncWithToken!(value, cancellationToken);
        return Finish(task, result);
    }

    private static async Task Finish(Task<TResult> task, IBufferWriter<byte> result)
        => GipcBinaryCodec<TResult>.Instance.Encode(await task, result);
}
