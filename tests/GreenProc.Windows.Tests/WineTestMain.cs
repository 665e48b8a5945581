using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace GreenProc.Windows.Tests;

/// <summary>
/// The suite's own runner, for where no test host runs: under Wine (.ci/run publishes this project for win-x64 and runs
/// the exe). <c>GreenProc.Windows.Tests.exe [substring|substring...]</c> runs the tests whose name contains one of them, one at a
/// time, prints a line per test and a closing <c>N passed, N failed, N skipped</c>, and exits 0 when all passed, 1 when
/// any failed, 2 when none ran. <c>--list</c> prints every test's name, and <c>--exact NAME</c> runs that one test:
/// <c>.ci/wine-run --each-test</c> uses them to run each test in a process of its own, for diagnosis. Under <c>dotnet test</c> (Linux) the test host ignores this entry point. With
/// <c>--child</c> first, the exe is the child program the subprocess tests start (<see cref="ChildProgram"/>).
/// </summary>
public static class WineTestMain
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == ChildProgram.Flag)
        {
            return ChildProgram.Run(args[1..]);
        }

        bool list = args.Length > 0 && args[0] == "--list";
        bool exact = args.Length > 1 && args[0] == "--exact";
        string? filter = exact ? args[1] : !list && args.Length > 0 ? args[0] : null;
        if (!list)
        {
            Console.WriteLine($"GreenProc.Windows.Tests on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        }

        var options = new RunnerOptions();
        ((ITestFrameworkOptions)options).SetValue("xunit.execution.DisableParallelization", true);
        Assembly assembly = typeof(WineTestMain).Assembly;
        using var framework = new XunitTestFramework(new NullMessageSink());

        var found = new Reporter();
        using (ITestFrameworkDiscoverer discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
        {
            discoverer.Find(includeSourceInformation: false, found, options);
            found.Finished.WaitOne();
        }

        if (list)
        {
            foreach (ITestCase c in found.Cases.OrderBy(c => c.DisplayName, StringComparer.Ordinal))
            {
                Console.WriteLine(c.DisplayName);
            }

            return 0;
        }

        List<ITestCase> cases = found.Cases
            .Where(c => filter is null
                || (exact ? c.DisplayName == filter : filter.Split('|').Any(f => c.DisplayName.Contains(f, StringComparison.Ordinal))))
            .ToList();
        var run = new Reporter();
        var clock = Stopwatch.StartNew();
        using (ITestFrameworkExecutor executor = framework.GetExecutor(assembly.GetName()))
        {
            executor.RunTests(cases, run, options);
            run.Finished.WaitOne();
        }

        Console.WriteLine($"{run.Passed} passed, {run.Failed} failed, {run.Skipped} skipped ({clock.Elapsed.TotalSeconds:F1} s)");
        return run.Failed > 0 ? 1 : run.Passed == 0 ? 2 : 0;
    }

    private sealed class RunnerOptions : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = new();

        TValue ITestFrameworkOptions.GetValue<TValue>(string name) => _values.TryGetValue(name, out object? v) && v is TValue t ? t : default!;

        void ITestFrameworkOptions.SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }

    // xunit v2 sinks cross an app-domain boundary on .NET Framework, so they derive from its marshal-by-ref base.
    private sealed class Reporter : Xunit.LongLivedMarshalByRefObject, IMessageSink
    {
        public List<ITestCase> Cases { get; } = new();

        public ManualResetEvent Finished { get; } = new(false);

        public int Passed { get; private set; }

        public int Failed { get; private set; }

        public int Skipped { get; private set; }

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestCaseDiscoveryMessage discovered:
                    Cases.Add(discovered.TestCase);
                    break;
                case IDiscoveryCompleteMessage:
                case ITestAssemblyFinished:
                    Finished.Set();
                    break;
                case ITestPassed passed:
                    Passed++;
                    Console.WriteLine($"  PASS {passed.Test.DisplayName} ({passed.ExecutionTime * 1000:F0} ms)");
                    break;
                case ITestSkipped skipped:
                    Skipped++;
                    Console.WriteLine($"  SKIP {skipped.Test.DisplayName}: {skipped.Reason}");
                    break;
                case ITestFailed failed:
                    Failed++;
                    Console.WriteLine($"  FAIL {failed.Test.DisplayName}: {string.Join(" | ", failed.ExceptionTypes)}: {string.Join(" | ", failed.Messages)}");
                    Console.WriteLine(string.Join(Environment.NewLine, failed.StackTraces));
                    break;
                case IErrorMessage error:
                    Failed++;
                    Console.WriteLine($"  ERROR {string.Join(" | ", error.ExceptionTypes)}: {string.Join(" | ", error.Messages)}");
                    break;
            }

            return true;
        }
    }
}
