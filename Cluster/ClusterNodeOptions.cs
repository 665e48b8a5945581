using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster.Internal;
using GreenProc.Ipc;
using GreenProc.Ipc.Internal.Pool;

namespace GreenProc.Cluster;

/// <summary>
/// A silo's settings as a GreenProc cluster node (<see cref="ClusterSiloBuilderExtensions.AddGreenProcNode"/>): its local
/// pool, and the allow-list of tasks it runs for submitters. A node runs a task only if it is registered here; the
/// wire names tasks, it never chooses a type or method to load.
/// </summary>
public sealed class ClusterNodeOptions
{
    private readonly Dictionary<string, RegisteredTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>The node's local pool (workers, per-task timeout, initializer, ...). Default: <see cref="ProcessPoolOptions.Default"/>.</summary>
    public ProcessPoolOptions Pool { get; set; } = ProcessPoolOptions.Default;

    /// <summary>
    /// How long a stopping silo lets the chunks it runs finish (it takes no new ones meanwhile; submitters send them
    /// elsewhere). Chunks still running then are cancelled, and their submitters run them on another node. Default 30 s.
    /// </summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Lets the node start on a silo reachable from the network without <see cref="ClusterSiloBuilderExtensions.UseGreenProcTls"/>.
    /// A node is a remote-execution service, so by default it refuses to start unless its silo listens on loopback only,
    /// or its peers authenticate with certificates. Set this only when they are authenticated another way (Orleans'
    /// <c>UseTls</c> with required client certificates, a network only trusted machines reach).
    /// </summary>
    public bool AcceptUnauthenticatedNetwork { get; set; }

    /// <summary>The keys of the registered tasks.</summary>
    public IReadOnlyCollection<string> RegisteredTasks => _tasks.Keys;

    internal IReadOnlyDictionary<string, RegisteredTask> Tasks => _tasks;

    /// <summary>Adds a task to the allow-list: a static method (or a lambda that captures nothing), as for <see cref="ProcessPool"/>.</summary>
    /// <typeparam name="TArg">Its argument's type.</typeparam>
    /// <typeparam name="TResult">Its result's type.</typeparam>
    /// <param name="task">The task.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException">The task cannot run in a worker process (an instance method, a capturing lambda, generic).</exception>
    /// <exception cref="NotSupportedException">Its argument or result type cannot be carried by the binary codec.</exception>
    public ClusterNodeOptions AddTask<TArg, TResult>(Func<TArg, TResult> task) => Add<TArg, TResult>(task);

    /// <inheritdoc cref="AddTask{TArg, TResult}(Func{TArg, TResult})"/>
    public ClusterNodeOptions AddTask<TArg, TResult>(Func<TArg, CancellationToken, TResult> task) => Add<TArg, TResult>(task);

    /// <inheritdoc cref="AddTask{TArg, TResult}(Func{TArg, TResult})"/>
    public ClusterNodeOptions AddTask<TArg, TResult>(Func<TArg, Task<TResult>> task) => Add<TArg, TResult>(task);

    /// <inheritdoc cref="AddTask{TArg, TResult}(Func{TArg, TResult})"/>
    public ClusterNodeOptions AddTask<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> task) => Add<TArg, TResult>(task);

    private ClusterNodeOptions Add<TArg, TResult>(Delegate task)
    {
        TaskMethod method = TaskMethod.For<TArg, TResult>(task);
        string key = TaskKey.Of(method.Method, typeof(TArg), typeof(TResult));
        _tasks[key] = new RegisteredTask<TArg, TResult>(key, task);
        return this;
    }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Pool, nameof(Pool));
        if (StopGrace < TimeSpan.Zero && StopGrace != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(StopGrace), StopGrace, "StopGrace must be zero or more (or Timeout.InfiniteTimeSpan).");
        }
    }
}
