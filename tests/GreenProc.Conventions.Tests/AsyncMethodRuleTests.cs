using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Conventions.Tests;

/// <summary>Every async method of every GreenProc assembly keeps the hub (see <see cref="AsyncMethodRules"/>).</summary>
public sealed class AsyncMethodRuleTests
{
    private static readonly string[] Expected = ["GreenProc.Interop", "GreenProc.Runtime", "GreenProc.Subprocess", "GreenProc.Ipc"];

    /// <summary>Every GreenProc library in the output folder (the tests reference them all), so a new one is checked too.</summary>
    public static TheoryData<string> GreenProcAssemblies()
    {
        var data = new TheoryData<string>();
        foreach (string name in LibraryNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Every_GreenProc_library_is_checked()
    {
        Assert.Subset(LibraryNames().ToHashSet(), Expected.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(GreenProcAssemblies))]
    public void No_async_method_awaits_with_ConfigureAwait_false(string assembly)
    {
        List<string> violations = AsyncMethodRules.ContextFreeAwaits(AsyncMethodRules.AsyncMethods(Assembly.Load(assembly).GetTypes()));
        Assert.True(violations.Count == 0, $"GreenProc code must stay on the hub (DESIGN §6):\n{string.Join("\n", violations)}");
    }

    [Theory]
    [MemberData(nameof(GreenProcAssemblies))]
    public void Every_async_method_resumes_an_awaiting_caller_on_the_hub(string assembly)
    {
        List<string> violations = AsyncMethodRules.BuilderViolations(AsyncMethodRules.AsyncMethods(Assembly.Load(assembly).GetTypes()));
        Assert.True(violations.Count == 0, $"GreenProc async methods must resume their callers on the hub (DESIGN §6):\n{string.Join("\n", violations)}");
    }

    [Fact]
    public void The_scan_sees_the_async_methods_of_every_layer()
    {
        // A scan that found nothing would pass vacuously: these are known async methods of each assembly.
        var seen = Expected.SelectMany(a => AsyncMethodRules.AsyncMethods(Assembly.Load(a).GetTypes())).Select(m => m.ToString()).ToHashSet();
        Assert.Contains("GreenProc.Green.JoinAll", seen);
        Assert.Contains("GreenProc.Green.IWait", seen);
        Assert.Contains("GreenProc.Subprocess.Subprocess.RunAsync", seen);
        Assert.Contains("GreenProc.Ipc.Internal.FrameWriter.FlushAsync", seen);
    }

    [Fact]
    public void The_ConfigureAwait_rule_catches_each_way_of_leaving_the_hub_and_nothing_else()
    {
        string[] flagged = AsyncMethodRules.ContextFreeAwaits(AsyncMethodRules.AsyncMethods(Nested(typeof(Fixtures))))
            .Select(v => v[..v.IndexOf(':', StringComparison.Ordinal)])
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(
            [
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.FalseInALambda (a lambda)",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.FalseInAnIterator",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.FalseOnATask",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.FalseOnATask (local function Local)",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.FalseOnAValueTask",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.FalseOnAnAsyncEnumerable",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.OptionsWithoutTheContext",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.VariableFlag",
            ],
            flagged);
    }

    [Fact]
    public void The_builder_rule_catches_ValueTask_methods_built_by_the_BCL_and_Task_overrides()
    {
        string[] flagged = AsyncMethodRules.BuilderViolations(AsyncMethodRules.AsyncMethods(Nested(typeof(Fixtures))))
            .Select(v => v[..v.IndexOf(':', StringComparison.Ordinal)])
            .Where(n => !n.Contains("FalseOnAValueTask", StringComparison.Ordinal)) // a default-built ValueTask method too
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(
            [
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.DefaultBuilder",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.OverridingStream.ReadAsync",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.PoolingBuilder",
                "GreenProc.Conventions.Tests.AsyncMethodRuleTests.Fixtures.Runner.RunAsync",
            ],
            flagged);
    }

    // GreenProc.Cluster is exempt: it never runs on a hub. It is Orleans client and silo code, on the thread pool and
    // Orleans' scheduler, and awaits as ordinary library code does (ConfigureAwait(false)); a greenlet that awaits one of
    // its Tasks or ValueTasks is resumed through its own SynchronizationContext (DESIGN §4, "Cluster").
    private static IEnumerable<string> LibraryNames()
        => Directory.GetFiles(AppContext.BaseDirectory, "GreenProc.*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => !n!.EndsWith(".Tests", StringComparison.Ordinal) && n != "GreenProc.Cluster")
            .Order(StringComparer.Ordinal)!;

    private static IEnumerable<Type> Nested(Type type) => type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).SelectMany(Nested).Prepend(type);

    /// <summary>Async methods that break the rules on purpose (and a few that keep them), for the scan to be seen to catch them.</summary>
    private static class Fixtures
    {
        public static async Task FalseOnATask()
        {
            await Task.Yield();
            await Task.Delay(1).ConfigureAwait(false);
            await Local();

            static async Task Local() => await Task.Delay(1).ConfigureAwait(false);
        }

        public static async ValueTask FalseOnAValueTask() => await new ValueTask(Task.Delay(1)).ConfigureAwait(false);

        public static async Task FalseOnAnAsyncEnumerable()
        {
            await foreach (int i in Numbers().ConfigureAwait(false))
            {
                GC.KeepAlive(i);
            }
        }

        public static async IAsyncEnumerable<int> FalseInAnIterator()
        {
            await Task.Delay(1).ConfigureAwait(false);
            yield return 1;
        }

        public static async Task OptionsWithoutTheContext() => await Task.Delay(1).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        public static async Task VariableFlag(bool keep) => await Task.Delay(1).ConfigureAwait(keep);

        public static Func<Task> FalseInALambda() => async () => await Task.Delay(1).ConfigureAwait(false);

        public static async Task TrueAndContextOptionsAreFine()
        {
            await Task.Delay(1).ConfigureAwait(true);
            await Task.Delay(1).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.ForceYielding);
            await foreach (int i in Numbers().ConfigureAwait(true))
            {
                GC.KeepAlive(i);
            }
        }

        public static async ValueTask DefaultBuilder() => await Task.Delay(1);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public static async ValueTask PoolingBuilder() => await Task.Delay(1);

        private static async IAsyncEnumerable<int> Numbers()
        {
            await Task.Yield();
            yield return 1;
        }

        public interface IRunner
        {
            Task RunAsync();
        }

        public sealed class Runner : IRunner
        {
            public async Task RunAsync() => await Task.Yield();
        }

        public sealed class OverridingStream : MemoryStream
        {
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                await Task.Yield();
                return 0;
            }
        }
    }
}
