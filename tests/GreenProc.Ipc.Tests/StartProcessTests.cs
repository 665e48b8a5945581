using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>StartProcess: real `dotnet` children running static methods, handles passed to them.</summary>
[Collection(nameof(SerialGipcTests))]
public sealed class StartProcessTests : LeakCheckedTest
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;

    public sealed record Job(string Label, GipcWriter<string> Results, int[] Numbers);

    internal static async Task Relay(GipcReader<string> input, GipcWriter<string> output)
    {
        int i = 0;
        await foreach (string m in input.ReadAllAsync())
        {
            await output.PutAsync($"{m} in {i++}");
        }
    }

    /// <summary>A child whose first greenlet waits to read before the second one writes: the reader must park, not block
    /// the child's hub in read(2).</summary>
    internal static async Task ReadWhileWriting(GipcReader<int> input, GipcWriter<int> output)
    {
        Greenlet<int> reader = Green.Spawn(async () => await input.GetAsync());
        await Green.Yield(); // the reader runs first and waits for a message the parent sends only after ours
        await output.PutAsync(42);
        await output.PutAsync(await reader + 1);
    }

    internal static async Task ReportDiagnosticPorts(GipcWriter<string> output)
        => await output.PutAsync($"{Environment.GetEnvironmentVariable("DOTNET_DiagnosticPorts") ?? "(unset)"};{Environment.GetEnvironmentVariable("DOTNET_DefaultDiagnosticPortSuspend") ?? "(unset)"}");

    [Fact]
    public void A_child_does_not_inherit_a_diagnostics_tool_s_suspending_port()
    {
        // Under `dotnet-counters collect -- app` the app has DOTNET_DiagnosticPorts=<the tool's socket>,suspend: a child
        // with it would wait for ever for a resume (the pool's workers never became ready). Children start without it.
        string? ports = Environment.GetEnvironmentVariable("DOTNET_DiagnosticPorts");
        string? suspend = Environment.GetEnvironmentVariable("DOTNET_DefaultDiagnosticPortSuspend");
        Environment.SetEnvironmentVariable("DOTNET_DiagnosticPorts", Path.Combine(Path.GetTempPath(), "greenproc-no-such-tool.socket") + ",suspend,connect");
        Environment.SetEnvironmentVariable("DOTNET_DefaultDiagnosticPortSuspend", "1");
        try
        {
            Run(async () =>
            {
                using GipcPipe<string> pipe = Gipc.Pipe<string>();
                using GipcProcess child = Gipc.StartProcess(ReportDiagnosticPorts, pipe.Writer);
                Assert.Equal("(unset);(unset)", await pipe.Reader.GetAsync(TimeSpan.FromSeconds(30)));
                Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(30)));
                Assert.Equal(0, child.ExitCode);
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOTNET_DiagnosticPorts", ports);
            Environment.SetEnvironmentVariable("DOTNET_DefaultDiagnosticPortSuspend", suspend);
        }
    }

    internal static async Task SumJob(Job job) => await job.Results.PutAsync($"{job.Label}={job.Numbers.Sum()}");

    internal static Task Fail(string message) => throw new InvalidOperationException(message);

    internal static async Task FailWithInner(int size)
    {
        await Green.Yield();
        try
        {
            throw new FormatException(new string('x', size));
        }
        catch (FormatException e)
        {
            // Four inner exceptions: with long messages, more than the outcome pipe is given (48 KiB).
            throw new AggregateException("outer", e, new ArgumentException("second"), new FormatException(e.Message), new FormatException(e.Message));
        }
    }

    internal static void ExitWith(int code) => Environment.Exit(code);

    /// <summary>A codec that is not built in: the child rebuilds it by type name.</summary>
    public sealed class ReversingCodec : IGipcCodec<string>
    {
        public void Encode(string value, System.Buffers.IBufferWriter<byte> output)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(value);
            Array.Reverse(bytes);
            System.Buffers.BuffersExtensions.Write(output, bytes);
        }

        public string Decode(ReadOnlySpan<byte> payload)
        {
            byte[] bytes = payload.ToArray();
            Array.Reverse(bytes);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }
    }

    public sealed record CodecSet(GipcReader<string> Json, GipcWriter<string> Custom, GipcReader<GipcBuffer> Pooled, GipcDuplex<long> Duplex);

    /// <summary>Echoes through handles of every codec kind, and reports how this process was started.</summary>
    internal static async Task EchoCodecs(CodecSet set)
    {
        string command = File.ReadAllText("/proc/self/cmdline").Replace('\0', ' ');
        Assert.IsType<GipcJsonCodec<string>>(set.Json.Codec);
        Assert.IsType<ReversingCodec>(set.Custom.Codec);
        Assert.IsType<GipcPooledCodec>(set.Pooled.Codec);
        Assert.IsType<GipcBinaryCodec<long>>(set.Duplex.Codec);
        string json = await set.Json.GetAsync();
        using GipcBuffer pooled = await set.Pooled.GetAsync();
        long number = await set.Duplex.GetAsync();
        await set.Custom.PutAsync($"{json}|{pooled.Length}|{command}");
        await set.Duplex.PutAsync(number + 1);
    }

    private static async Task<string> EchoThroughEveryCodecAsync()
    {
        using GipcPipe<string> json = Gipc.Pipe<string>(GipcJsonCodec<string>.Instance);
        using GipcPipe<string> custom = Gipc.Pipe<string>(new ReversingCodec());
        using GipcPipe<GipcBuffer> pooled = Gipc.Pipe<GipcBuffer>();
        (GipcDuplex<long> mine, GipcDuplex<long> theirs) = Gipc.DuplexPipe<long>();
        using (mine)
        {
            using GipcProcess child = Gipc.StartProcess(EchoCodecs, new CodecSet(json.Reader, custom.Writer, pooled.Reader, theirs));
            await json.Writer.PutAsync("json");
            await pooled.Writer.PutAsync(new GipcBuffer(new byte[100_000]));
            await mine.PutAsync(41);
            string report = await custom.Reader.GetAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(42, await mine.GetAsync(TimeSpan.FromSeconds(20)));
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, child.ExitCode);
            Assert.StartsWith("json|100000|", report, StringComparison.Ordinal);
            return report["json|100000|".Length..];
        }
    }

    [Fact]
    public void A_child_relays_messages_between_two_pipes()
    {
        Run(async () =>
        {
            using GipcPipe<string> toChild = Gipc.Pipe<string>();
            using GipcPipe<string> fromChild = Gipc.Pipe<string>();
            using GipcProcess child = Gipc.StartProcess(Relay, toChild.Reader, fromChild.Writer);
            Assert.True(toChild.Reader.IsClosed); // moved to the child
            Assert.Throws<GipcClosedException>(() => fromChild.Writer.PutAsync("x"));
            for (int i = 0; i < 10; i++)
            {
                await toChild.Writer.PutAsync("hi");
            }

            await toChild.Writer.DisposeAsync();
            var got = new List<string>();
            await foreach (string m in fromChild.Reader.ReadAllAsync())
            {
                got.Add(m);
            }

            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"hi in {i}"), got);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, child.ExitCode);
            Assert.Equal("Relay", child.Name);
        });
    }

    [Fact]
    public void A_child_waits_for_its_handles_cooperatively_while_its_other_greenlets_run()
    {
        Run(async () =>
        {
            using GipcPipe<int> toChild = Gipc.Pipe<int>();
            using GipcPipe<int> fromChild = Gipc.Pipe<int>();
            using GipcProcess child = Gipc.StartProcess(ReadWhileWriting, toChild.Reader, fromChild.Writer);
            Assert.Equal(42, await fromChild.Reader.GetAsync(TimeSpan.FromSeconds(20))); // not stuck behind the read
            await toChild.Writer.PutAsync(1);
            Assert.Equal(2, await fromChild.Reader.GetAsync(TimeSpan.FromSeconds(20)));
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, child.ExitCode);
        });
    }

    [Fact]
    public void Handles_nested_in_a_record_reach_the_child()
    {
        Run(async () =>
        {
            using GipcPipe<string> results = Gipc.Pipe<string>();
            using GipcProcess child = Gipc.StartProcess(SumJob, new Job("sum", results.Writer, [1, 2, 3, 4]));
            Assert.Equal("sum=10", await results.Reader.GetAsync(TimeSpan.FromSeconds(20)));
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, child.ExitCode);
        });
    }

    [Fact]
    public void A_target_that_throws_exits_with_1_and_exit_codes_pass_through()
    {
        Run(async () =>
        {
            using GipcProcess failing = Gipc.StartProcess(Fail, "boom");
            Assert.Null(failing.Exception); // running (or not joined yet): nothing to say
            Assert.True(await failing.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(1, failing.ExitCode);
            GipcRemoteException remote = failing.Exception!;
            Assert.True(remote.Is<InvalidOperationException>());
            Assert.Equal("boom", remote.Message);
            Assert.Equal(failing.Pid, remote.ProcessId);
            Assert.Contains(nameof(Fail), remote.RemoteStackTrace, StringComparison.Ordinal);
            Assert.Contains("System.InvalidOperationException: boom", remote.ToString(), StringComparison.Ordinal);

            using GipcProcess exiting = Gipc.StartProcess(ExitWith, 7);
            Assert.True(await exiting.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(7, exiting.ExitCode);
            Assert.Null(exiting.Exception);
        });
    }

    [Theory]
    [InlineData(10)]
    [InlineData(200_000)] // more than the outcome pipe holds: the record comes without inner exceptions, cut
    public void A_childs_exception_comes_back_with_its_inner_exceptions(int size)
    {
        Run(async () =>
        {
            using GipcProcess child = Gipc.StartProcess(FailWithInner, size);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(1, child.ExitCode);
            GipcRemoteException remote = child.Exception!;
            Assert.True(remote.Is<AggregateException>());
            if (size < 1000)
            {
                Assert.Equal(4, remote.RemoteInnerExceptions.Count);
                Assert.True(remote.RemoteInnerExceptions[0].Is<FormatException>());
                Assert.Equal(new string('x', size), remote.RemoteInnerExceptions[0].Message);
                Assert.Same(remote.RemoteInnerExceptions[0], remote.InnerException);
                Assert.Equal("second", remote.RemoteInnerExceptions[1].Message);
            }
            else
            {
                Assert.True(remote.RemoteInnerExceptions.Count == 0, "a record too long for the pipe keeps no inner exceptions");
                Assert.True(remote.Message.Length < 5000 && remote.Message.EndsWith("[cut]", StringComparison.Ordinal), "the message is cut");
            }
        });
    }

    [Fact]
    public void The_child_runs_GreenProc_Ipc_under_dotnet_exec_and_rebuilds_every_codec()
    {
        Run(async () =>
        {
            string command = await EchoThroughEveryCodecAsync();
            Assert.Contains(" exec --runtimeconfig ", command, StringComparison.Ordinal);
            Assert.Contains("GreenProc.Ipc.dll", command, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void The_startup_hook_fallback_starts_the_app_again_and_rebuilds_every_codec()
    {
        Run(async () =>
        {
            Internal.ChildLauncher.ForceStartupHook = true;
            try
            {
                // Under the test host the app is testhost.dll, relaunched with GreenProc.Ipc as its startup hook.
                string command = await EchoThroughEveryCodecAsync();
                Assert.DoesNotContain("GreenProc.Ipc.dll", command, StringComparison.Ordinal);
                Assert.Contains("testhost", command, StringComparison.Ordinal);
            }
            finally
            {
                Internal.ChildLauncher.ForceStartupHook = false;
            }
        });
    }

    [Fact]
    public void GreenProc_Ipc_run_as_a_program_outside_StartProcess_says_what_it_is_and_exits_2()
    {
        Run(async () =>
        {
            string ipc = typeof(Gipc).Assembly.Location;
            string deps = Path.Combine(AppContext.BaseDirectory, "GreenProc.Ipc.Tests.deps.json");
            string config = Path.Combine(AppContext.BaseDirectory, "GreenProc.Ipc.Tests.runtimeconfig.json");
            GreenProc.Subprocess.CompletedProcess done = await GreenProc.Subprocess.Subprocess.RunAsync(
                [Environment.ProcessPath!, "exec", "--runtimeconfig", config, "--depsfile", deps, ipc],
                new GreenProc.Subprocess.RunOptions { CaptureOutput = true, Timeout = TimeSpan.FromSeconds(30) });
            Assert.Equal(2, done.ReturnCode);
            Assert.Contains("only runs the child processes that Gipc.StartProcess starts", done.StderrText, StringComparison.Ordinal);
        });
    }

    private static class Generic<T>
    {
        internal static void Target() => Console.WriteLine(typeof(T));
    }

    [Fact]
    public void Capturing_lambdas_and_reused_handles_are_refused_before_anything_starts()
    {
        Run(() =>
        {
            int captured = 5;
            var e = Assert.Throws<ArgumentException>(() => Gipc.StartProcess(() => { Console.WriteLine(captured); }));
            Assert.Contains("captures", e.Message, StringComparison.Ordinal);
            e = Assert.Throws<ArgumentException>(() => Gipc.StartProcess(Generic<int>.Target));
            Assert.Contains("generic", e.Message, StringComparison.Ordinal);

            using GipcPipe<string> pipe = Gipc.Pipe<string>();
            using GipcPipe<string> other = Gipc.Pipe<string>();
            pipe.Reader.Dispose();
            Assert.Throws<GipcClosedException>(() => Gipc.StartProcess(Relay, pipe.Reader, other.Writer));
            Assert.False(other.Writer.IsClosed); // nothing was started, nothing handed over
            return Task.CompletedTask;
        });
    }
}
