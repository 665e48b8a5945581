using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using GreenProc.Ipc;

namespace GreenProc.Microbench;

/// <summary>
/// gipc framing in one process: a writer greenlet puts N small messages into a <see cref="Gipc.Pipe{T}"/> (an OS
/// pipe, non-blocking, on the hub's reactor), a reader greenlet gets them. Per message: frame header, codec, the
/// writer's batching of a hub turn's frames into one write, the reader's batched reads. <c>int</c> through the
/// binary codec and a 16-byte <c>byte[]</c> through the raw codec (bench/run.sh's gipc cases do the same across two
/// processes).
/// </summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private const int N = 100_000;
    private static readonly byte[] s_message = new byte[16];

    [Benchmark(OperationsPerInvoke = N)]
    public void Int_messages() => Green.Run(async () =>
    {
        using GipcPipe<int> pipe = Gipc.Pipe<int>();
        (GipcReader<int> reader, GipcWriter<int> writer) = pipe;
        long sum = 0;
        async Task Write()
        {
            for (int i = 0; i < N; i++)
            {
                await writer.PutAsync(i);
            }

            await writer.FlushAsync();
        }

        async Task Read()
        {
            for (int i = 0; i < N; i++)
            {
                sum += await reader.GetAsync();
            }
        }

        await Green.JoinAll([Green.Spawn(Read), Green.Spawn(Write)], raiseError: true);
        if (sum != (long)N * (N - 1) / 2)
        {
            throw new System.InvalidOperationException($"messages lost: sum {sum}");
        }
    });

    [Benchmark(OperationsPerInvoke = N)]
    public void Bytes16_messages() => Green.Run(async () =>
    {
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
        (GipcReader<byte[]> reader, GipcWriter<byte[]> writer) = pipe;
        long bytes = 0;
        async Task Write()
        {
            for (int i = 0; i < N; i++)
            {
                await writer.PutAsync(s_message);
            }

            await writer.FlushAsync();
        }

        async Task Read()
        {
            for (int i = 0; i < N; i++)
            {
                bytes += (await reader.GetAsync()).Length;
            }
        }

        await Green.JoinAll([Green.Spawn(Read), Green.Spawn(Write)], raiseError: true);
        if (bytes != (long)N * s_message.Length)
        {
            throw new System.InvalidOperationException($"bytes lost: {bytes}");
        }
    });
}
