using System;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Tests;

/// <summary>The hot paths are pooled: a switch, a timer wait and an fd wait allocate nothing in the steady state.</summary>
public abstract class AllocationTests : HubTestBase
{
    private const int Rounds = 20_000;

    /// <summary>
    /// The fewest bytes allocated per operation over five windows of <paramref name="perWindow"/> operations each. A
    /// steady allocation per operation shows in every window; a one-off (a pool or an array growing, the test host
    /// loaded by the other test assemblies running beside this one) shows in one window only, so it cannot fail the
    /// test. A one-off of up to <paramref name="perWindow"/> - 1 bytes in every window is also forgiven (the window's
    /// own async call, a box of about 100 bytes).
    /// </summary>
    private static async Task<long> FewestBytesPerOperation(Func<int, Task> loop, int perWindow)
    {
        long fewest = long.MaxValue;
        for (int w = 0; w < 5; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            await loop(perWindow);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest / perWindow;
    }

    [Fact]
    public void Yield_ping_pong_allocates_nothing_per_switch()
    {
        long perSwitch = Run(async () =>
        {
            Greenlet other = Green.Spawn(async () =>
            {
                for (int i = 0; i < Rounds * 2 + 4000; i++)
                {
                    await Green.Yield();
                }
            });
            await Loop(2000); // warm the pools, the run queue's segments and the JIT
            long fewest = await FewestBytesPerOperation(Loop, Rounds / 5);
            await other.KillAsync();
            return fewest;

            static async Task Loop(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    await Green.Yield();
                }
            }
        });

        Assert.True(perSwitch == 0, $"{perSwitch} bytes allocated per switch");
    }

    [Fact]
    public void Pipe_ping_pong_through_GreenStream_allocates_nothing_per_message()
    {
        long perRound = Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r1, out SafeFdHandle w1);
            SafeFdHandle.CreatePipe(out SafeFdHandle r2, out SafeFdHandle w2);
            using var in1 = new GreenStream(r1, FileAccess.Read);
            using var out1 = new GreenStream(w1, FileAccess.Write);
            using var in2 = new GreenStream(r2, FileAccess.Read);
            using var out2 = new GreenStream(w2, FileAccess.Write);
            var echoBuffer = new byte[1];
            Greenlet echo = Green.Spawn(async () =>
            {
                while (await in1.ReadAsync(echoBuffer) == 1)
                {
                    await out2.WriteAsync(echoBuffer);
                }
            });
            var buffer = new byte[1];
            async Task Loop(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    await out1.WriteAsync(buffer);
                    await in2.ReadAsync(buffer);
                }
            }

            await Loop(200);
            long fewest = await FewestBytesPerOperation(Loop, Rounds / 20);
            out1.Dispose();
            await echo;
            return fewest;
        });

        Assert.True(perRound <= 0, $"{perRound} bytes allocated per round trip ");
    }

    [Fact]
    public void Loopback_TCP_ping_pong_through_GreenSocket_allocates_nothing_per_round_trip()
    {
        // Every receive here waits (the echo has not answered yet): the hub-built slow path and the fd wait are pooled.
        long perRound = Run(async () =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            pair.Client.Socket.NoDelay = pair.Accepted.Socket.NoDelay = true;
            var echoBuffer = new byte[1];
            Greenlet echo = Green.Spawn(async () =>
            {
                while (await pair.Accepted.ReceiveAsync(echoBuffer) == 1)
                {
                    await pair.Accepted.SendAllAsync(echoBuffer);
                }
            });
            var buffer = new byte[1];
            TimeSpan timeout = TimeSpan.FromSeconds(10);
            async Task Loop(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    await pair.Client.SendAsync(buffer, timeout);
                    await pair.Client.ReceiveAsync(buffer, timeout); // a timeout argument arms a pooled timer
                }
            }

            await Loop(200);
            long fewest = await FewestBytesPerOperation(Loop, Rounds / 20);
            pair.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await echo;
            return fewest;
        });

        Assert.True(perRound <= 0, $"{perRound} bytes allocated per round trip ");
    }

    [Fact]
    public void A_GreenSocket_receive_that_finds_data_completes_at_once_and_allocates_nothing()
    {
        long perMessage = Run(async () =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            var buffer = new byte[8];
            async Task Loop(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    Assert.True(pair.Client.SendAllAsync(buffer).IsCompletedSuccessfully);
                    ValueTask<int> receive = pair.Accepted.ReceiveAsync(buffer); // on loopback the bytes are there already
                    Assert.True(receive.IsCompletedSuccessfully);
                    await receive;
                }
            }

            await Loop(200);
            return await FewestBytesPerOperation(Loop, Rounds / 20);
        });

        Assert.True(perMessage <= 0, $"{perMessage} bytes allocated per message ");
    }

    [Fact]
    public void A_GreenProc_async_method_that_waits_allocates_nothing_per_call()
    {
        // The hub builder pools its boxes: a call that waits costs no box, no continuation object, no posted Tuple.
        // A debug build makes the compiler's state machine a class, one per call whatever the builder: that is allowed.
        long allowed = StateMachineObjectSize(typeof(AllocationTests), nameof(YieldThenReturn));
        long perCall = Run(async () =>
        {
            await Loop(2000);
            return await FewestBytesPerOperation(Loop, Rounds / 5) - allowed;

            static async Task Loop(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    await YieldThenReturn(i);
                }
            }
        });

        Assert.True(perCall == 0, $"{perCall} bytes allocated per call");
    }

    /// <summary>What the compiler allocates per call of an async method by itself: its state machine when that is a class (debug builds).</summary>
    private static long StateMachineObjectSize(Type type, string method)
    {
        Type machine = type.GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.GetCustomAttribute<AsyncStateMachineAttribute>()!.StateMachineType;
        if (machine.IsValueType)
        {
            return 0;
        }

        RuntimeHelpers.GetUninitializedObject(machine);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RuntimeHelpers.GetUninitializedObject(machine);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private static async ValueTask<int> YieldThenReturn(int value)
    {
        await Green.Yield();
        return value;
    }

    [Fact]
    public void Timer_sleeps_allocate_nothing_per_wait()
    {
        long perWait = Run(async () =>
        {
            for (int i = 0; i < 20; i++)
            {
                await Green.Sleep(TimeSpan.FromTicks(1));
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 500; i++)
            {
                await Green.Sleep(TimeSpan.FromTicks(1));
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            return allocated / 500;
        });

        Assert.True(perWait <= 0, $"{perWait} bytes allocated per sleep ");
    }
}

public sealed class AllocationTests_Epoll : AllocationTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class AllocationTests_Poll : AllocationTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
