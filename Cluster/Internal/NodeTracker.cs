using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Orleans;
using Orleans.Runtime;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// A submitter's view of the nodes, refreshed every <see cref="DistributedPoolOptions.HeartbeatInterval"/>: it asks the
/// cluster which silos are active (new ones are greeted and join; ones that left are lost) and asks every node whether
/// it is there. A node that has not answered for <see cref="DistributedPoolOptions.NodeTimeout"/> is lost: Orleans would
/// wait its 30-second response timeout, and membership its probes, before failing calls to a dead silo.
/// </summary>
/// <remarks>Thread-safe. The loop runs on the thread pool; <see cref="Changed"/> fires from it.</remarks>
internal sealed class NodeTracker : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly DistributedPoolOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private NodeState[] _nodes = [];   // the nodes not lost; replaced, never mutated (readers take a snapshot)
    private TaskCompletionSource _changed = NewSignal();
    private Task? _loop;

    public NodeTracker(IGrainFactory grains, DistributedPoolOptions options)
    {
        _grains = grains;
        _options = options;
    }

    /// <summary>Fires after each refresh that changed something, and when a node is lost or suspected.</summary>
    public event Action? Changed;

    /// <summary>The nodes not lost (usable or not), a snapshot.</summary>
    public NodeState[] Nodes => Volatile.Read(ref _nodes);

    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>Waits until <paramref name="count"/> nodes can take work.</summary>
    public async Task WaitForNodesAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (Array.FindAll(Nodes, n => n.Usable).Length >= count)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A chunk call to <paramref name="node"/> failed: no new chunks there until it answers a heartbeat.</summary>
    public void Suspect(NodeState node)
    {
        node.Suspect();
        Notify();
    }

    private async Task LoopAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stop).ConfigureAwait(false);
                await Task.Delay(_options.HeartbeatInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
        }

        foreach (NodeState node in Nodes)
        {
            node.Lose(); // the pool is disposed: cancel what is still in flight
        }
    }

    private async Task RefreshAsync(CancellationToken stop)
    {
        Dictionary<SiloAddress, SiloStatus>? hosts = null;
        try
        {
            hosts = await _grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(_options.NodeTimeout, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // The cluster did not answer: judge the nodes by their own heartbeats alone this round.
        }

        NodeState[] known = Nodes;
        var active = new HashSet<string>(StringComparer.Ordinal);
        var work = new List<Task>();
        var joined = new List<NodeState>();
        if (hosts is not null)
        {
            foreach (SiloAddress silo in hosts.Keys)
            {
                string address = silo.ToParsableString();
                active.Add(address);
                if (Array.Find(known, n => n.Address == address) is null)
                {
                    work.Add(GreetAsync(address, joined, stop));
                }
            }
        }

        var lost = new List<NodeState>();
        foreach (NodeState node in known)
        {
            if (hosts is not null && !active.Contains(node.Address))
            {
                lost.Add(node); // membership has declared it dead, or it left
            }
            else
            {
                work.Add(PingAsync(node, lost, stop));
            }
        }

        await Task.WhenAll(work).ConfigureAwait(false);

        // Told every round, changed or not: a heartbeat may have cleared a suspect or a stopping node, and a map that
        // waits for a node re-checks its deadline.
        lock (_gate)
        {
            var next = new List<NodeState>(_nodes.Length + joined.Count);
            foreach (NodeState node in _nodes)
            {
                if (!lost.Contains(node))
                {
                    next.Add(node);
                }
            }

            next.AddRange(joined);
            Volatile.Write(ref _nodes, next.ToArray());
        }

        foreach (NodeState node in lost)
        {
            node.Lose();
        }

        Notify();
    }

    private async Task GreetAsync(string address, List<NodeState> joined, CancellationToken stop)
    {
        INodeGrain grain = _grains.GetGrain<INodeGrain>(address);
        try
        {
            NodeInfo info = await grain.HelloAsync().WaitAsync(_options.NodeTimeout, stop).ConfigureAwait(false);
            lock (joined)
            {
                joined.Add(new NodeState(address, grain, info, _options.ChunksPerWorker));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // Not a node (no AddGreenProcNode there), or not up yet: asked again next round.
        }
    }

    private async Task PingAsync(NodeState node, List<NodeState> lost, CancellationToken stop)
    {
        try
        {
            NodeInfo info = await node.Grain.HelloAsync().WaitAsync(_options.NodeTimeout, stop).ConfigureAwait(false);
            node.Answered(info);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            if (Stopwatch.GetElapsedTime(node.LastAnswer) >= _options.NodeTimeout)
            {
                lock (lost)
                {
                    lost.Add(node);
                }
            }
        }
    }

    private void Notify()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _changed;
            _changed = NewSignal();
        }

        fired.TrySetResult();
        Changed?.Invoke();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
