using System;
using System.Diagnostics;
using System.Linq;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// A silo's node: owns the local <see cref="ProcessPool"/> for the silo's life and runs chunks on it for
/// <see cref="NodeGrain"/>. Started with the silo (the pool is up, its initializer run, before the silo takes calls);
/// stopped first when the silo stops: it takes no new chunks, lets running ones finish within
/// <see cref="ClusterNodeOptions.StopGrace"/>, cancels the rest (their submitters send them elsewhere), then kills the pool.
/// </summary>
/// <remarks>Thread-safe: chunks arrive on Orleans' scheduler, interleaved (the grain is reentrant).</remarks>
internal sealed class ClusterNode : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly ClusterNodeOptions _options;
    private readonly IServiceProvider _services;
    private readonly CancellationTokenSource _stop = new();     // fires when running chunks must give up (grace over, silo killed)
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously); // set once stopping with no chunk running
    private ProcessPool? _pool;
    private int _running;                                      // chunks inside RunChunkAsync
    private volatile bool _stopping;                           // no new chunks
    private int _disposed;
    private readonly object _callsGate = new();                 // guards the two maps below together
    private readonly Dictionary<(Guid Submitter, long Call), CancellationTokenSource> _calls = []; // chunk calls being run
    private readonly Dictionary<(Guid Submitter, long Call), long> _cancelled = []; // calls cancelled before they came (Stopwatch timestamps)

    public ClusterNode(IOptions<ClusterNodeOptions> options, ILocalSiloDetails silo, IServiceProvider services)
    {
        _options = options.Value;
        _services = services;
        Address = silo.SiloAddress.ToParsableString();
    }

    /// <summary>The silo's address: the node grain's key.</summary>
    public string Address { get; }

    /// <summary>Answers a heartbeat: cancels the calls the submitter gave up on (or remembers them for a while, should
    /// they come later), and says which of the asked calls it is running.</summary>
    public NodeInfo Hello(HelloRequest request)
    {
        var cancel = new List<CancellationTokenSource>();
        long[] running = [];
        lock (_callsGate)
        {
            foreach (long call in request.Cancel)
            {
                if (_calls.TryGetValue((request.Submitter, call), out CancellationTokenSource? source))
                {
                    cancel.Add(source);
                }
                else
                {
                    _cancelled[(request.Submitter, call)] = Stopwatch.GetTimestamp();
                }
            }

            if (_cancelled.Count > 0)
            {
                // A request not here ten minutes after its submitter cancelled it is not coming (Orleans' response
                // timeout is 30 s): forget it.
                foreach (var (key, at) in _cancelled.ToArray())
                {
                    if (Stopwatch.GetElapsedTime(at) > TimeSpan.FromMinutes(10))
                    {
                        _cancelled.Remove(key);
                    }
                }
            }

            if (request.Calls.Length > 0)
            {
                running = Array.FindAll(request.Calls, call => _calls.ContainsKey((request.Submitter, call)));
            }
        }

        foreach (CancellationTokenSource source in cancel)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The call ended meanwhile.
            }
        }

        return new NodeInfo
        {
            Node = Address,
            Workers = _options.Pool.Workers,
            Stopping = _stopping || _pool is null,
            ProcessId = Environment.ProcessId,
            Running = running,
        };
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(ClusterNode) + ".Pool", ServiceLifecycleStage.ApplicationServices, StartAsync, StopPoolAsync);

        // Active is the first stage to stop: the node drains while the silo still answers calls.
        lifecycle.Subscribe(nameof(ClusterNode) + ".Drain", ServiceLifecycleStage.Active, static _ => Task.CompletedTask, DrainAsync);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _options.Validate();
        CheckExposure();
        _pool = new ProcessPool(_options.Pool);
        await _pool.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A node reachable from the network runs anybody's registered tasks: refuse that unless peers authenticate.</summary>
    private void CheckExposure()
    {
        if (_options.AcceptUnauthenticatedNetwork || _services.GetService<ClusterTlsMarker>() is not null)
        {
            return;
        }

        EndpointOptions endpoints = _services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        bool loopback = IPAddress.IsLoopback(endpoints.AdvertisedIPAddress)
            && (endpoints.SiloListeningEndpoint is null || IPAddress.IsLoopback(endpoints.SiloListeningEndpoint.Address))
            && (endpoints.GatewayListeningEndpoint is null || IPAddress.IsLoopback(endpoints.GatewayListeningEndpoint.Address));
        if (!loopback)
        {
            throw new InvalidOperationException(
                $"This GreenProc cluster node would run tasks for anyone who reaches {endpoints.AdvertisedIPAddress}: call UseGreenProcTls on the silo "
                + "and its clients (mutual certificate authentication), or listen on loopback only (UseLocalhostClustering), or set "
                + "ClusterNodeOptions.AcceptUnauthenticatedNetwork when peers are authenticated another way.");
        }
    }

    /// <summary>Runs a chunk; answers a refusal for a task not on the allow-list, or when stopping.</summary>
    public async Task<ChunkReply> RunChunkAsync(ChunkRequest request, CancellationToken cancellationToken)
    {
        if (!_options.Tasks.TryGetValue(request.Task, out RegisteredTask? task))
        {
            return new ChunkReply
            {
                Outcomes = [],
                Node = Address,
                Refused = $"Node {Address} does not run task '{request.Task}': it is not on the node's allow-list. Register it on every node with ClusterNodeOptions.AddTask.",
            };
        }

        Interlocked.Increment(ref _running);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        lock (_callsGate)
        {
            if (_cancelled.Remove((request.Submitter, request.Call)))
            {
                linked.Cancel(); // cancelled by a heartbeat before it came: its tasks end at once
            }
            else
            {
                _calls[(request.Submitter, request.Call)] = linked;
            }
        }

        try
        {
            ProcessPool? pool = _pool;
            if (_stopping || pool is null)
            {
                return Stopped();
            }

            byte[][] arguments = request.Arguments;
            var runs = new Task<TaskOutcome>[arguments.Length];
            for (int i = 0; i < runs.Length; i++)
            {
                runs[i] = task.RunAsync(pool, arguments[i], request.TaskTimeout, linked.Token);
            }

            TaskOutcome[] outcomes;
            try
            {
                outcomes = await Task.WhenAll(runs).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return Stopped(); // the pool went with the silo: none of this chunk's outcomes is the tasks' own
            }

            if (_stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested && Array.Exists(outcomes, o => o.Kind == OutcomeKind.Cancelled))
            {
                return Stopped(); // cancelled by the node's stop, not by the submitter: run it elsewhere
            }

            return new ChunkReply { Outcomes = outcomes, Node = Address };
        }
        finally
        {
            lock (_callsGate)
            {
                _calls.Remove((request.Submitter, request.Call));
            }

            if (Interlocked.Decrement(ref _running) == 0 && _stopping)
            {
                _idle.TrySetResult();
            }
        }
    }

    private ChunkReply Stopped() => new() { Outcomes = [], Node = Address, Stopping = true };

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (Volatile.Read(ref _running) == 0)
        {
            _idle.TrySetResult();
        }

        try
        {
            // A killed silo stops with its token cancelled: no grace then.
            await _idle.Task.WaitAsync(_options.StopGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }

        await _stop.CancelAsync().ConfigureAwait(false);
    }

    private Task StopPoolAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _stop.Cancel();
        _pool?.Kill(); // chunks are drained or cancelled by now; kill rather than wait on a worker that ignores its token
        return Task.CompletedTask;
    }

    // Called twice: the container disposes the node as itself and as the lifecycle participant it also is.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping = true;
        _stop.Cancel();
        _pool?.Kill();
    }
}
