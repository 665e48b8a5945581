using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace GreenProc.Microbench;

/// <summary>
/// <see cref="GreenQueue{T}"/> put/get, per item: in one greenlet (an unbounded queue never parks: the fast path),
/// and one producer greenlet to one consumer greenlet (bench/run.sh case <c>prim_queue</c>) unbounded and with
/// <c>maxSize</c> 1 (<c>prim_bounded1</c>: a hand-off, two switches an item).
/// </summary>
[MemoryDiagnoser]
public class QueueBenchmarks
{
    private const int N = 100_000;

    [Benchmark(OperationsPerInvoke = N)]
    public void Put_get_one_greenlet() => Green.Run(async () =>
    {
        var queue = new GreenQueue<int>();
        long sum = 0;
        for (int i = 0; i < N; i++)
        {
            await queue.PutAsync(i);
            sum += await queue.GetAsync();
        }

        Check(sum);
    });

    [Benchmark(OperationsPerInvoke = N)]
    public void Producer_consumer_unbounded() => ProducerConsumer(new GreenQueue<int>());

    [Benchmark(OperationsPerInvoke = N)]
    public void Producer_consumer_bounded1() => ProducerConsumer(new GreenQueue<int>(1));

    private static void ProducerConsumer(GreenQueue<int> queue) => Green.Run(async () =>
    {
        long sum = 0;
        async Task Produce()
        {
            for (int i = 0; i < N; i++)
            {
                await queue.PutAsync(i);
            }
        }

        async Task Consume()
        {
            for (int i = 0; i < N; i++)
            {
                sum += await queue.GetAsync();
            }
        }

        await Green.JoinAll([Green.Spawn(Consume), Green.Spawn(Produce)], raiseError: true);
        Check(sum);
    });

    // The items really went through (and the loop cannot be optimized away).
    private static void Check(long sum)
    {
        if (sum != (long)N * (N - 1) / 2)
        {
            throw new System.InvalidOperationException($"the queue lost items: sum {sum}");
        }
    }
}
