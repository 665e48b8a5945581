using System;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Windows.Tests;

/// <summary>
/// gipc's StartProcess on every platform: the target runs in a fresh process of this program (relaunched through its
/// startup hook), its handles travel to it (Windows: an explicit handle list and GREENPROC_HANDLES), messages flow both
/// ways, its exception comes back, its exit code is seen, and a daemon child dies with its parent.
/// </summary>
public class StartProcessContractTests
{
    [Fact]
    public async Task A_child_gets_its_handles_and_answers_over_them()
    {
        int[] answers = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<int> toChild = Gipc.Pipe<int>();
            using GipcPipe<int> fromChild = Gipc.Pipe<int>();
            using GipcProcess child = Gipc.StartProcess(Doubler, toChild.Reader, fromChild.Writer);
            var got = new int[5];
            for (int i = 0; i < got.Length; i++)
            {
                await toChild.Writer.PutAsync(i + 1);
                got[i] = await fromChild.Reader.GetAsync(TimeSpan.FromSeconds(60));
            }

            await toChild.Writer.PutAsync(-1);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(0, child.ExitCode);
            return got;
        });
        Assert.Equal([2, 4, 6, 8, 10], answers);
    }

    [Fact]
    public async Task A_large_message_and_arguments_reach_the_child()
    {
        long sum = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<long> back = Gipc.Pipe<long>();
            byte[] payload = new byte[200_000]; // in the bootstrap itself: bigger than the bootstrap pipe
            payload.AsSpan().Fill(3);
            using GipcProcess child = Gipc.StartProcess(Summer, payload, back.Writer);
            long s = await back.Reader.GetAsync(TimeSpan.FromSeconds(60));
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(60)));
            return s;
        });
        Assert.Equal(600_000L, sum);
    }

    [Fact]
    public async Task A_child_s_exception_comes_back_with_exit_code_1()
    {
        (int? code, string? message) = await HubRunner.RunAsync(async () =>
        {
            using GipcProcess child = Gipc.StartProcess(Thrower);
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(60)));
            return (child.ExitCode, child.Exception?.Message);
        });
        Assert.Equal(1, code);
        Assert.Contains("from the child", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_child_is_seen_dead_and_its_pipe_ends()
    {
        Type end = await HubRunner.RunAsync(async () =>
        {
            using GipcPipe<int> fromChild = Gipc.Pipe<int>();
            using GipcProcess child = Gipc.StartProcess(Sleeper, fromChild.Writer);
            Assert.Equal(1, await fromChild.Reader.GetAsync(TimeSpan.FromSeconds(60))); // it runs
            child.Kill();
            Assert.True(await child.JoinAsync(TimeSpan.FromSeconds(60)));
            Assert.False(child.IsAlive);
            Exception e = await PrimitiveContractTests.Record(async () => await fromChild.Reader.GetAsync(TimeSpan.FromSeconds(60)));
            return e.GetType();
        });
        Assert.Equal(typeof(System.IO.EndOfStreamException), end);
    }

    private static async Task Doubler(GipcReader<int> input, GipcWriter<int> output)
    {
        while (true)
        {
            int v = await input.GetAsync();
            if (v < 0)
            {
                return;
            }

            await output.PutAsync(v * 2);
        }
    }

    private static async Task Summer(byte[] payload, GipcWriter<long> output)
    {
        long s = 0;
        foreach (byte b in payload)
        {
            s += b;
        }

        await output.PutAsync(s);
    }

    private static Task Thrower() => throw new InvalidOperationException("from the child");

    private static async Task Sleeper(GipcWriter<int> output)
    {
        await output.PutAsync(1);
        await output.FlushAsync();
        await Green.Sleep(Timeout.InfiniteTimeSpan);
    }
}
