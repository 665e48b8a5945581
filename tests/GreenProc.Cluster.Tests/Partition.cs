using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster.Internal;
using Orleans;
using Orleans.Runtime;

namespace GreenProc.Cluster.Tests;

/// <summary>
/// Fault injection in Orleans' own call pipeline: calls to the node grain of a partitioned silo are held, unanswered,
/// until the partition heals, as if the machine had vanished from the network (its heartbeats and its chunks alike).
/// </summary>
internal sealed class Partition(ILocalSiloDetails silo) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_cut = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_swallow = new();
    private static int s_swallowed;

    /// <summary>How many chunk calls were swallowed.</summary>
    public static int Swallowed => Volatile.Read(ref s_swallowed);

    /// <summary>The next chunk call to this silo's node is held before the node sees it, as if lost on the way; the node
    /// answers everything else.</summary>
    public static void SwallowNextChunk(string silo) => s_swallow.TryAdd(silo, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Cut(string silo) => s_cut.TryAdd(silo, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Heal(string silo)
    {
        if (s_cut.TryRemove(silo, out TaskCompletionSource? gate))
        {
            gate.TrySetResult();
        }
    }

    public static void HealAll()
    {
        foreach (string silo in s_cut.Keys)
        {
            Heal(silo);
        }

        foreach (TaskCompletionSource gate in s_held.Values)
        {
            gate.TrySetResult();
        }

        s_held.Clear();
    }

    private static readonly ConcurrentDictionary<int, TaskCompletionSource> s_held = new(); // swallowed calls, released by HealAll

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(INodeGrain.RunChunkAsync) && s_swallow.TryRemove(silo.SiloAddress.ToParsableString(), out TaskCompletionSource? held))
        {
            s_held[Interlocked.Increment(ref s_swallowed)] = held;
            await held.Task;
        }

        if (context.InterfaceMethod?.DeclaringType == typeof(INodeGrain) && s_cut.TryGetValue(silo.SiloAddress.ToParsableString(), out TaskCompletionSource? gate))
        {
            await gate.Task;
        }

        await context.Invoke();
    }
}
