using System;
using System.Reflection;
using GreenProc.Ipc.Internal;
using GreenProc.Ipc.Internal.Pool;

namespace GreenProc.Ipc;

/// <summary>Settings of a <see cref="ProcessPool"/>; the defaults suit CPU-bound work. Immutable (a record: use <c>with</c>).</summary>
public sealed record ProcessPoolOptions
{
    private readonly int _workers = Environment.ProcessorCount;

    /// <summary>The defaults.</summary>
    public static ProcessPoolOptions Default { get; } = new();

    /// <summary>How many worker processes run tasks (default: <see cref="Environment.ProcessorCount"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int Workers
    {
        get => _workers;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Workers));
            _workers = value;
        }
    }

    /// <summary>
    /// How long one task may run before it is cancelled (its <see cref="System.Threading.CancellationToken"/> fires in the
    /// worker) and, if it has not stopped <see cref="KillGrace"/> later, its worker killed and replaced; the task then
    /// fails with <see cref="ProcessPoolTimeoutException"/>. Null (the default) or
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: no limit. A call can set its own.
    /// </summary>
    public TimeSpan? TaskTimeout { get; init; }

    /// <summary>
    /// How long a task that was cancelled (or timed out) may go on before its worker is killed (default 2 s): the time
    /// it has to notice its token. A task that never looks at its token is stopped this way.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: never kill (a task that ignores its token runs to its end).
    /// </summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>After this many tasks a worker is replaced by a fresh one (Python's <c>maxtasksperchild</c>; default: never).</summary>
    public int? MaxTasksPerWorker { get; init; }

    /// <summary>
    /// A static method (or a lambda that captures nothing) each worker runs once before its first task: no parameter,
    /// or one that <see cref="InitializerArgument"/> is given to. If it throws, the pool cannot run anything: every
    /// task fails with <see cref="ProcessPoolInitializationException"/>.
    /// </summary>
    public Delegate? Initializer { get; init; }

    /// <summary>The argument of <see cref="Initializer"/> (encoded with the binary codec of its parameter type).</summary>
    public object? InitializerArgument { get; init; }

    internal ProcessPoolOptions Validate()
    {
        GreenProc.Internal.Deadline.Validate(TaskTimeout, nameof(TaskTimeout));
        GreenProc.Internal.Deadline.Validate(KillGrace, nameof(KillGrace));

        if (MaxTasksPerWorker is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTasksPerWorker), MaxTasksPerWorker, "MaxTasksPerWorker must be at least 1 (or null: never replace).");
        }

        _ = InitializerSetup();
        return this;
    }

    /// <summary>What worker <paramref name="number"/> is told at start.</summary>
    internal WorkerSetup Setup(int number)
    {
        (MethodInfo? method, byte[]? argument) = InitializerSetup();
        return method is null
            ? new WorkerSetup(number, null, null, null, 0, null)
            : new WorkerSetup(number, method.DeclaringType!.Assembly.GetName().Name, method.DeclaringType.Assembly.Location, method.DeclaringType.FullName, method.MetadataToken, argument);
    }

    private (MethodInfo? Method, byte[]? Argument) InitializerSetup()
    {
        if (Initializer is null)
        {
            return (null, null);
        }

        MethodInfo method = ProcessTarget.Check(Initializer, "A ProcessPool initializer", checkReturn: true);
        ParameterInfo[] p = method.GetParameters();
        if (p.Length > 1)
        {
            throw new ArgumentException($"A ProcessPool initializer takes no parameter or one; '{method.Name}' takes {p.Length}.", nameof(Initializer));
        }

        if (p.Length == 0)
        {
            return InitializerArgument is null ? (method, null) : throw new ArgumentException($"InitializerArgument is set, but '{method.Name}' takes no parameter.", nameof(InitializerArgument));
        }

        if (InitializerArgument is { } a && !p[0].ParameterType.IsInstanceOfType(a))
        {
            throw new ArgumentException($"'{method.Name}' takes a {p[0].ParameterType.Name}; InitializerArgument is a {a.GetType().Name}.", nameof(InitializerArgument));
        }

        return (method, TypedOps.For(p[0].ParameterType).Encode(InitializerArgument));
    }
}
