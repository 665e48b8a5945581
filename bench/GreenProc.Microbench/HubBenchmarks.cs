using BenchmarkDotNet.Attributes;

namespace GreenProc.Microbench;

/// <summary>
/// What one <see cref="Green.Run(System.Func{System.Threading.Tasks.Task}, HubOptions?)"/> costs with a main that
/// only yields once: the per-invocation overhead the other benchmarks spread over their operations.
/// </summary>
[MemoryDiagnoser]
public class HubBenchmarks
{
    [Benchmark]
    public void Run_empty() => Green.Run(async () => await Green.Yield());
}
