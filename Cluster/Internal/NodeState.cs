using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace GreenProc.Cluster.Internal;

/// <summary>
/// What a submitter knows of one node: its grain, its capacity, its chunks in flight (shared by every map of the pool),
/// and whether it is lost. A lost node's <see cref="Lost"/> token cancels every chunk call in flight there, which sends
/// those chunks elsewhere; a lost node is never used again (if its silo answers later, it comes back as a new state).
/// </summary>
/// <remarks>Thread-safe: maps reserve slots, track their calls and report replies from any thread; the tracker reports
/// heartbeats and loses the node.</remarks>
internal sealed class NodeState
{
    private readonly CancellationTokenSource _lost = new(); // cancelled once: the node is lost
    private readonly int _chunksPerWorker;
    private int _workers;          // the node pool's workers, as last reported
    private int _inFlight;         // chunk calls in flight, all maps together
    private long _lastAnswer;      // Stopwatch timestamp of the last answer (a heartbeat or a chunk's reply)
    private volatile bool _stopping;
    private volatile bool _suspect; // a chunk call failed: no new chunks until a heartbeat answers
    private long _chunksDone;
    private readonly ConcurrentDictionary<long, PendingCall> _calls = new(); // chunk calls in flight here, by call number
    private readonly ConcurrentDictionary<long, byte> _abandoned = new();     // calls given up on, to cancel at the node

    public NodeState(string address, INodeGrain grain, NodeInfo info, int chunksPerWorker)
    {
        Address = address;
        Grain = grain;
        ProcessId = info.ProcessId;
        _chunksPerWorker = chunksPerWorker;
        _workers = info.Workers;
        _stopping = info.Stopping;
        _lastAnswer = Stopwatch.GetTimestamp();
    }

    public string Address { get; }

    public INodeGrain Grain { get; }

    public int ProcessId { get; }

    public int Workers => Volatile.Read(ref _workers);

    public int InFlight => Volatile.Read(ref _inFlight);

    public long ChunksDone => Interlocked.Read(ref _chunksDone);

    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Whether new chunks may go here.</summary>
    public bool Usable => !_stopping && !_suspect && !_lost.IsCancellationRequested;

    public int FreeSlots => Usable ? (Workers * _chunksPerWorker) - InFlight : 0;

    public long LastAnswer => Interlocked.Read(ref _lastAnswer);

    /// <summary>Takes a slot for one chunk call, if one is free.</summary>
    public bool TryReserve()
    {
        while (true)
        {
            int used = Volatile.Read(ref _inFlight);
            if (!Usable || used >= Workers * _chunksPerWorker)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inFlight, used + 1, used) == used)
            {
                return true;
            }
        }
    }

    public void Release() => Interlocked.Decrement(ref _inFlight);

    /// <summary>A heartbeat's answer.</summary>
    public void Answered(NodeInfo info)
    {
        Volatile.Write(ref _workers, info.Workers);
        _stopping = info.Stopping;
        _suspect = false;
        Interlocked.Exchange(ref _lastAnswer, Stopwatch.GetTimestamp());
    }

    /// <summary>A chunk's reply: the node is alive, and did one more chunk.</summary>
    public void ChunkAnswered()
    {
        Interlocked.Increment(ref _chunksDone);
        Interlocked.Exchange(ref _lastAnswer, Stopwatch.GetTimestamp());
    }

    public void MarkStopping() => _stopping = true;

    /// <summary>A chunk call failed outright: send nothing more until a heartbeat says the node is there.</summary>
    public void Suspect() => _suspect = true;

    /// <summary>Registers a chunk call sent now; <paramref name="cancel"/> ends it if it is found lost on the way.</summary>
    public PendingCall Track(long call, CancellationTokenSource cancel)
    {
        var pending = new PendingCall(call, cancel);
        _calls[call] = pending;
        return pending;
    }

    public void Untrack(long call) => _calls.TryRemove(call, out _);

    /// <summary>A call that ended without its reply: the node may still run it (or get it later), so the next heartbeats
    /// tell it to cancel.</summary>
    public void Abandon(long call) => _abandoned.TryAdd(call, 0);

    /// <summary>The abandoned calls to tell the node about.</summary>
    public long[] Abandoned() => _abandoned.IsEmpty ? [] : [.. _abandoned.Keys];

    /// <summary>The node answered a heartbeat that told it about <paramref name="calls"/>: done.</summary>
    public void Told(long[] calls)
    {
        foreach (long call in calls)
        {
            _abandoned.TryRemove(call, out _);
        }
    }

    /// <summary>The calls sent longer than <paramref name="age"/> ago: a heartbeat asks the node about them.</summary>
    public long[] Overdue(TimeSpan age)
    {
        if (_calls.IsEmpty)
        {
            return [];
        }

        var overdue = new List<long>();
        foreach (PendingCall call in _calls.Values)
        {
            if (Stopwatch.GetElapsedTime(call.SentAt) >= age)
            {
                overdue.Add(call.Call);
            }
        }

        return [.. overdue];
    }

    /// <summary>
    /// The node answered a heartbeat that asked about <paramref name="asked"/>, running <paramref name="running"/>. A call
    /// it did not know at two heartbeats in a row (a reply in flight can cross one) was lost on the way: cancel it.
    /// </summary>
    public void Reconcile(long[] asked, long[] running)
    {
        foreach (long call in asked)
        {
            if (!_calls.TryGetValue(call, out PendingCall? pending))
            {
                continue; // answered meanwhile
            }

            if (Array.IndexOf(running, call) >= 0)
            {
                pending.Missed = 0;
            }
            else if (++pending.Missed >= 2)
            {
                pending.Abandon();
            }
        }
    }

    /// <summary>Counts the node lost: cancels its chunk calls (their maps send the chunks elsewhere).</summary>
    public void Lose()
    {
        try
        {
            _lost.Cancel();
        }
        catch (System.AggregateException)
        {
            // A callback's failure is the map's to report; the node is lost either way.
        }
    }
}

/// <summary>A chunk call in flight, as heartbeats follow it.</summary>
internal sealed class PendingCall(long call, CancellationTokenSource cancel)
{
    public long Call { get; } = call;

    public long SentAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>Heartbeats in a row whose node did not know the call (the heartbeat's thread alone touches it).</summary>
    public int Missed { get; set; }

    /// <summary>Set when the call was cancelled because its node did not know it: lost on the way, not the node's fault.</summary>
    public bool LostOnTheWay => Volatile.Read(ref _lost) != 0;

    private int _lost;

    public void Abandon()
    {
        Volatile.Write(ref _lost, 1);
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended meanwhile.
        }
    }
}
