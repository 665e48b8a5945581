using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace GreenProc.Microbench;

/// <summary>
/// Hub switches: two greenlets hand the hub to each other N times each, with <see cref="Green.Yield"/> (bench/run.sh
/// case <c>switch</c>, gevent's <c>sleep(0)</c>) or <c>Green.Sleep(TimeSpan.Zero)</c>. Per switch.
/// </summary>
[MemoryDiagnoser]
public class SwitchBenchmarks
{
    private const int N = 100_000;

    [Benchmark(OperationsPerInvoke = 2 * N)]
    public void Yield_ping_pong() => Green.Run(async () =>
    {
        static async Task Loop()
        {
            for (int i = 0; i < N; i++)
            {
                await Green.Yield();
            }
        }

        await Green.JoinAll([Green.Spawn(Loop), Green.Spawn(Loop)], raiseError: true);
    });

    [Benchmark(OperationsPerInvoke = 2 * N)]
    public void Sleep0_ping_pong() => Green.Run(async () =>
    {
        static async Task Loop()
        {
            for (int i = 0; i < N; i++)
            {
                await Green.Sleep(TimeSpan.Zero);
            }
        }

        await Green.JoinAll([Green.Spawn(Loop), Green.Spawn(Loop)], raiseError: true);
    });
}
