using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Orleans;
using Orleans.Runtime;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// A submitter's view of the nodes. Every <see cref="DistributedPoolOptions.HeartbeatInterval"/> it asks the cluster
/// which silos are active (new ones are greeted and join; ones that left are lost) and pings every node; a node that has
/// not answered for <see cref="DistributedPoolOptions.NodeTimeout"/> is lost. Orleans would wait its 30-second response
/// timeout, and membership its probes, before failing calls to a silo that vanished.
/// </summary>
/// <remarks>
/// <para>
/// Pings are independent: one lost with a dying gateway does not hold up the next, which Orleans routes through a live
/// one, so a healthy node is never judged by a single lost message. Each ping is cancelled at <c>NodeTimeout</c>.
/// </para>
/// <para>
/// A ping also names the chunk calls to that node older than <c>NodeTimeout</c>; a call the answering node is not running
/// at two pings in a row was lost on the way (a request or reply relayed through a gateway that died) and is cancelled,
/// so that its chunk goes out again now rather than at Orleans' response timeout.
/// </para>
/// <para>Thread-safe. The loop runs on the thread pool; <see cref="Changed"/> fires from it.</para>
/// </remarks>
internal sealed class NodeTracker : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly DistributedPoolOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly HashSet<string> _greeting = new(StringComparer.Ordinal); // silos being greeted now
    private NodeState[] _nodes = [];   // the nodes not lost; replaced under _gate, never mutated (readers take a snapshot)
    private TaskCompletionSource _changed = NewSignal();
    private long _nextCall;
    private int _querying;             // 1 while a membership query runs
    private Task? _loop;

    public NodeTracker(IGrainFactory grains, DistributedPoolOptions options)
    {
        _grains = grains;
        _options = options;
    }

    /// <summary>Fires after each heartbeat round, and when a node joins, is lost or suspected.</summary>
    public event Action? Changed;

    /// <summary>This submitter, as its calls and heartbeats name it to the nodes.</summary>
    public Guid Submitter { get; } = Guid.NewGuid();

    /// <summary>The nodes not lost (usable or not), a snapshot.</summary>
    public NodeState[] Nodes => Volatile.Read(ref _nodes);

    public long NextCall() => Interlocked.Increment(ref _nextCall);

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
                foreach (NodeState node in Nodes)
                {
                    _ = PingAsync(node, stop);
                }

                // The membership query may hang as long as a ping (through a gateway that died): it runs on its own,
                // one at a time, so that judging the nodes never waits for it.
                if (Interlocked.CompareExchange(ref _querying, 1, 0) == 0)
                {
                    _ = RefreshMembersAsync(stop);
                }

                Judge(lost: null);
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

    /// <summary>Greets the active silos not known yet, and loses the nodes membership no longer lists (when it answers).</summary>
    private async Task RefreshMembersAsync(CancellationToken stop)
    {
        Dictionary<SiloAddress, SiloStatus> hosts;
        try
        {
            hosts = await _grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(_options.NodeTimeout, stop).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return; // the cluster did not answer: the nodes are judged by their own heartbeats alone meanwhile
        }
        finally
        {
            Volatile.Write(ref _querying, 0);
        }

        var active = new HashSet<string>(StringComparer.Ordinal);
        foreach (SiloAddress silo in hosts.Keys)
        {
            string address = silo.ToParsableString();
            active.Add(address);
            if (Array.Find(Nodes, n => n.Address == address) is null)
            {
                lock (_gate)
                {
                    if (!_greeting.Add(address))
                    {
                        continue;
                    }
                }

                _ = GreetAsync(address, stop);
            }
        }

        Judge(lost: Array.FindAll(Nodes, n => !active.Contains(n.Address))); // declared dead by membership, or left
    }

    /// <summary>Removes and loses the nodes silent for NodeTimeout, and <paramref name="lost"/>; then tells the maps.</summary>
    private void Judge(NodeState[]? lost)
    {
        var gone = new List<NodeState>(lost ?? []);
        lock (_gate)
        {
            var kept = new List<NodeState>(_nodes.Length);
            foreach (NodeState node in _nodes)
            {
                if (gone.Contains(node))
                {
                    continue;
                }

                if (Stopwatch.GetElapsedTime(node.LastAnswer) >= _options.NodeTimeout)
                {
                    gone.Add(node);
                    continue;
                }

                kept.Add(node);
            }

            Volatile.Write(ref _nodes, kept.ToArray());
        }

        foreach (NodeState node in gone)
        {
            node.Lose();
        }

        Notify(); // told every round, changed or not: a map that waits for a node re-checks its deadline
    }

    private async Task GreetAsync(string address, CancellationToken stop)
    {
        INodeGrain grain = _grains.GetGrain<INodeGrain>(address);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(_options.NodeTimeout);
            NodeInfo info = await grain.HelloAsync(new HelloRequest { Submitter = Submitter }, deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
            var node = new NodeState(address, grain, info, _options.ChunksPerWorker);
            lock (_gate)
            {
                Volatile.Write(ref _nodes, [.. _nodes, node]);
            }

            Notify();
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // Not a node (no AddGreenProcNode there), or not up yet: greeted again next round.
        }
        finally
        {
            lock (_gate)
            {
                _greeting.Remove(address);
            }
        }
    }

    private async Task PingAsync(NodeState node, CancellationToken stop)
    {
        long[] overdue = node.Overdue(_options.NodeTimeout);
        long[] cancel = node.Abandoned();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(_options.NodeTimeout);
            NodeInfo info = await node.Grain.HelloAsync(new HelloRequest { Submitter = Submitter, Calls = overdue, Cancel = cancel }, deadline.Token)
                .WaitAsync(deadline.Token).ConfigureAwait(false);
            node.Answered(info);
            node.Told(cancel);
            node.Reconcile(overdue, info.Running);
        }
        catch (Exception)
        {
            // Unanswered: the next ping may be; the loop loses the node once none has been for NodeTimeout.
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

        // _stop is not disposed: pings and greetings still under way link to its token.
    }
}
