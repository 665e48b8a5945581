using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>StartProcess: real `dotnet` children running static methods, handles passed to them.</summary>
public sealed class StartProcessTests : HubTestBase
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

    internal static async Task SumJob(Job job) => await job.Results.PutAsync($"{job.Label}={job.Numbers.Sum()}");

    internal static Task Fail(string message) => throw new InvalidOperationException(message);

    internal static void ExitWith(int code) => Environment.Exit(code);

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
            Assert.True(await failing.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(1, failing.ExitCode);

            using GipcProcess exiting = Gipc.StartProcess(ExitWith, 7);
            Assert.True(await exiting.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(7, exiting.ExitCode);
        });
    }

    [Fact]
    public void Capturing_lambdas_and_reused_handles_are_refused_before_anything_starts()
    {
        Run(() =>
        {
            int captured = 5;
            var e = Assert.Throws<ArgumentException>(() => Gipc.StartProcess(() => { Console.WriteLine(captured); }));
            Assert.Contains("captures", e.Message, StringComparison.Ordinal);

            using GipcPipe<string> pipe = Gipc.Pipe<string>();
            using GipcPipe<string> other = Gipc.Pipe<string>();
            pipe.Reader.Dispose();
            Assert.Throws<GipcClosedException>(() => Gipc.StartProcess(Relay, pipe.Reader, other.Writer));
            Assert.False(other.Writer.IsClosed); // nothing was started, nothing handed over
            return Task.CompletedTask;
        });
    }
}
