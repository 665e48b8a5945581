using System;
using System.Collections.Concurrent;
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
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(INodeGrain) && s_cut.TryGetValue(silo.SiloAddress.ToParsableString(), out TaskCompletionSource? gate))
        {
            await gate.Task;
        }

        await context.Invoke();
    }
}
