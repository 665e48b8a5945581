// GreenProc.Microbench: the in-process figures, measured by BenchmarkDotNet (DESIGN §1); the cross-process ones are
// bench/run.sh's. Public APIs only.
//
//   dotnet run -c Release --project bench/GreenProc.Microbench -- --filter '*'                 all, default job
//   dotnet run -c Release --project bench/GreenProc.Microbench -- --filter '*Switch*' --job short
//   dotnet run -c Release --project bench/GreenProc.Microbench -- --list flat
//
// Every benchmark that needs a hub runs one Green.Run per invocation and reports per operation
// (OperationsPerInvoke): the hub's creation is spread over the invocation's operations; HubBenchmarks.Run_empty
// measures it on its own. Results go to BenchmarkDotNet.Artifacts/ (git-ignored).

using BenchmarkDotNet.Running;

namespace GreenProc.Microbench;

internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
