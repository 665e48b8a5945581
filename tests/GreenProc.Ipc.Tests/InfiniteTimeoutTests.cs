using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Subprocess;
using GreenProc.Tests;

namespace GreenProc.Ipc.Tests;

/// <summary>
/// <see cref="Timeout.InfiniteTimeSpan"/> means "no timeout" everywhere (DESIGN §2). Every public method of the GreenProc
/// assemblies that takes a timeout, and every timeout option, is called here with it, in a wait that is satisfied only
/// after a timer of 10 ms: a copy of the deadline arithmetic that took it for "already expired" (two did) fails at the
/// hub's first timeout pass, long before that. <see cref="Every_timeout_parameter_and_option_has_a_case"/> finds them
/// all by reflection, so a new one without a case fails the suite.
/// </summary>
public sealed class InfiniteTimeoutTests : HubTestBase
{
    private static readonly TimeSpan Infinite = Timeout.InfiniteTimeSpan;

    protected override ReactorKind Reactor => ReactorKind.Epoll;

    /// <summary>Members that take a span which is not a timeout, and why they are not tested here.</summary>
    private static readonly Dictionary<string, string> NotTimeouts = new()
    {
        ["Greenlet.StartLater(TimeSpan)"] = "a start delay: negative ones (infinite included) are refused; a greenlet that never starts is not a timeout",
        ["Green.SpawnLater(TimeSpan,Func`1,String)"] = "the same delay as StartLater",
        ["Green.SpawnLater(TimeSpan,Func`1,String)`1"] = "the same delay as StartLater",
        ["HubOptions.MaxReadyPass"] = "a scheduling quantum, not a wait",
        ["HubBlockingMonitorOptions.Threshold"] = "a report threshold, not a wait",
        ["ProcessPoolProgress..ctor(Int64,Int64,Int64,Nullable`1,TimeSpan)"] = "a progress report's elapsed time, not a wait",
        ["ProcessPoolProgress.Elapsed"] = "a progress report's elapsed time, not a wait",
    };

    private static readonly Dictionary<string, Func<Task>> Cases = new()
    {
        // ---- Runtime ----
        ["Green.Sleep(TimeSpan,CancellationToken)"] = async () =>
        {
            Greenlet sleeper = Green.Spawn(async () => await Green.Sleep(Infinite));
            await Green.Sleep(TimeSpan.FromMilliseconds(10));
            Assert.False(sleeper.IsReady); // sleeps until killed
            await sleeper.KillAsync();
        },
        ["Green.WaitReadAsync(Int32,Nullable`1,CancellationToken)"] = () => WithPipe(async (r, w) =>
        {
            Later(() => Write(w));
            await Green.WaitReadAsync(r.Fd, Infinite);
        }),
        ["Green.WaitReadAsync(SafeHandle,Nullable`1,CancellationToken)"] = () => WithPipe(async (r, w) =>
        {
            Later(() => Write(w));
            await Green.WaitReadAsync(r, Infinite);
        }),
        ["Green.WaitWriteAsync(Int32,Nullable`1,CancellationToken)"] = () => WithPipe(async (r, w) =>
        {
            Fill(w);
            Later(() => Drain(r));
            await Green.WaitWriteAsync(w.Fd, Infinite);
        }),
        ["Green.WaitWriteAsync(SafeHandle,Nullable`1,CancellationToken)"] = () => WithPipe(async (r, w) =>
        {
            Fill(w);
            Later(() => Drain(r));
            await Green.WaitWriteAsync(w, Infinite);
        }),
        ["Green.JoinAll(IEnumerable`1,Nullable`1,Boolean,CancellationToken)"] = async () =>
            _ = Assert.Single(await Green.JoinAll([LaterGreenlet()], Infinite)), // a Greenlet is awaitable: discard explicitly
        ["Green.Wait(IEnumerable`1,Nullable`1,Nullable`1,CancellationToken)"] = async () =>
            _ = Assert.Single(await Green.Wait([LaterGreenlet()], Infinite)),
        ["Green.IWait(IEnumerable`1,Nullable`1,CancellationToken)"] = async () =>
        {
            int n = 0;
            await foreach (Greenlet _ in Green.IWait([LaterGreenlet()], Infinite))
            {
                n++;
            }

            Assert.Equal(1, n);
        },
        ["Green.WithTimeout(TimeSpan,Func`1)"] = () => Green.WithTimeout(Infinite, () => Green.Sleep(TimeSpan.FromMilliseconds(10)).AsTask()),
        ["Green.WithTimeout(TimeSpan,Func`1,T)`1"] = async () =>
            Assert.Equal(1, await Green.WithTimeout(Infinite, async () => { await Green.Sleep(TimeSpan.FromMilliseconds(10)); return 1; }, 2)),
        ["Green.WithTimeout(TimeSpan,Func`1)`1"] = async () =>
            Assert.Equal(1, await Green.WithTimeout(Infinite, async () => { await Green.Sleep(TimeSpan.FromMilliseconds(10)); return 1; })),
        ["GreenTimeout.Start(TimeSpan)"] = async () =>
        {
            using (GreenTimeout.Start(Infinite))
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(10));
            }
        },
        ["GreenTimeout.RunSilentAsync(TimeSpan,Func`1)"] = async () =>
            Assert.True(await GreenTimeout.RunSilentAsync(Infinite, () => Green.Sleep(TimeSpan.FromMilliseconds(10)).AsTask())),
        ["Greenlet.JoinAsync(Nullable`1,CancellationToken)"] = async () => Assert.True(await LaterGreenlet().JoinAsync(Infinite)),
        ["Greenlet.GetAsync(Nullable`1,CancellationToken)"] = async () => await LaterGreenlet().GetAsync(Infinite),
        ["Greenlet`1.GetAsync(Nullable`1,CancellationToken)"] = async () =>
            Assert.Equal(7, await Green.Spawn(async () => { await Green.Sleep(TimeSpan.FromMilliseconds(10)); return 7; }).GetAsync(Infinite)),
        ["Greenlet.KillAsync(Exception,Boolean,Nullable`1,CancellationToken)"] = async () =>
        {
            Greenlet slow = SlowToDie();
            await Green.Yield();
            await slow.KillAsync(block: true, timeout: Infinite);
            Assert.True(slow.IsReady);
        },
        ["GreenGroup.KillAsync(Exception,Boolean,Nullable`1,CancellationToken)"] = async () =>
        {
            var group = new GreenGroup();
            group.Add(SlowToDie());
            await Green.Yield();
            await group.KillAsync(block: true, timeout: Infinite);
            Assert.True(group.Count == 0);
        },
        ["GreenGroup.JoinAsync(Nullable`1,Boolean,CancellationToken)"] = async () =>
        {
            var group = new GreenGroup();
            group.Add(LaterGreenlet());
            Assert.True(await group.JoinAsync(Infinite));
        },
        ["GreenPool.WaitAvailable(Nullable`1,CancellationToken)"] = async () =>
        {
            var pool = new GreenPool(1);
            _ = pool.Spawn(() => Green.Sleep(TimeSpan.FromMilliseconds(10)).AsTask());
            Assert.Equal(1, await pool.WaitAvailable(Infinite));
        },
        ["GreenEvent.WaitAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            var e = new GreenEvent();
            Later(() => e.Set());
            Assert.True(await e.WaitAsync(Infinite));
        },
        ["GreenAsyncResult`1.WaitAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            var r = new GreenAsyncResult<int>();
            Later(() => r.Set(3));
            Assert.True(await r.WaitAsync(Infinite));
        },
        ["GreenAsyncResult`1.GetAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            var r = new GreenAsyncResult<int>();
            Later(() => r.Set(3));
            Assert.Equal(3, await r.GetAsync(Infinite));
        },
        ["GreenQueue`1.GetAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            var q = new GreenQueue<int>();
            Later(() => q.TryPut(1));
            Assert.Equal(1, await q.GetAsync(Infinite));
        },
        ["GreenQueue`1.PeekAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            var q = new GreenQueue<int>();
            Later(() => q.TryPut(1));
            Assert.Equal(1, await q.PeekAsync(Infinite));
        },
        ["GreenQueue`1.PutAsync(T,Nullable`1,CancellationToken)"] = async () =>
        {
            var q = new GreenQueue<int>(1);
            q.TryPut(0);
            Later(() => q.TryGet(out _));
            await q.PutAsync(1, Infinite);
        },
        ["GreenJoinableQueue`1.JoinAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            var q = new GreenJoinableQueue<int>();
            q.TryPut(1);
            Later(() =>
            {
                q.TryGet(out _);
                q.TaskDone();
            });
            Assert.True(await q.JoinAsync(Infinite));
        },
        ["GreenChannel`1.GetAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            var c = new GreenChannel<int>();
            _ = Green.Spawn(async () =>
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(10));
                await c.PutAsync(5);
            });
            Assert.Equal(5, await c.GetAsync(Infinite));
        },
        ["GreenChannel`1.PutAsync(T,Nullable`1,CancellationToken)"] = async () =>
        {
            var c = new GreenChannel<int>();
            Greenlet<int> getter = Green.Spawn(async () =>
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(10));
                return await c.GetAsync();
            });
            await c.PutAsync(5, Infinite);
            Assert.Equal(5, await getter);
        },
        ["GreenLock.AcquireAsync(Nullable`1,CancellationToken)"] = () => HeldLock(async l => Assert.True(await l.AcquireAsync(Infinite))),
        ["GreenLock.LockAsync(Nullable`1,CancellationToken)"] = () => HeldLock(async l => (await l.LockAsync(Infinite)).Dispose()),
        ["GreenSemaphore.AcquireAsync(Nullable`1,CancellationToken)"] = () => HeldSemaphore(async s => Assert.True(await s.AcquireAsync(Infinite))),
        ["GreenSemaphore.LockAsync(Nullable`1,CancellationToken)"] = () => HeldSemaphore(async s => (await s.LockAsync(Infinite)).Dispose()),

        ["GreenServer.StopAsync(Nullable`1,CancellationToken)"] = () => StopWithConnectionInFlight(
            new GreenServerOptions(), server => server.StopAsync(Infinite)),
        ["GreenServerOptions.StopTimeout"] = () => StopWithConnectionInFlight(
            new GreenServerOptions { StopTimeout = Infinite }, server => server.StopAsync()),

        ["GreenSocket.AcceptAsync(Nullable`1,CancellationToken)"] = () => WithTcpListener(async (listener, client) =>
        {
            Later(() => client.ConnectAsync(listener.LocalEndPoint!).AsTask());
            using GreenSocket accepted = await listener.AcceptAsync(Infinite);
        }),
        ["GreenSocket.ReceiveAsync(Memory`1,Nullable`1,CancellationToken)"] = () => WithTcpPair(async (a, b) =>
        {
            Later(() => b.SendAllAsync(new byte[] { 1 }).AsTask());
            Assert.Equal(1, await a.ReceiveAsync(new byte[1], Infinite));
        }),
        ["GreenSocket.SendAsync(ReadOnlyMemory`1,Nullable`1,CancellationToken)"] = () => WithTcpPair(async (a, b) =>
        {
            await Fill(a);
            Later(() => DrainAll(b));
            Assert.Equal(1, await a.SendAsync(new byte[1], Infinite));
        }),
        ["GreenSocket.SendAllAsync(ReadOnlyMemory`1,Nullable`1,CancellationToken)"] = () => WithTcpPair(async (a, b) =>
        {
            await Fill(a);
            Later(() => DrainAll(b));
            await a.SendAllAsync(new byte[1], Infinite);
        }),
        ["GreenSocket.ReceiveFromAsync(Memory`1,Nullable`1,CancellationToken)"] = async () =>
        {
            using var a = new GreenSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            using var b = new GreenSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            b.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Later(() => b.SendToAsync(new byte[] { 1 }, a.LocalEndPoint!).AsTask());
            Assert.Equal(1, (await a.ReceiveFromAsync(new byte[1], Infinite)).Received);
        },
        ["GreenSocket.SendToAsync(ReadOnlyMemory`1,EndPoint,Nullable`1,CancellationToken)"] = () => WithUnixPath(async path =>
        {
            // A Unix-domain datagram receiver whose queue is full holds the (connected) sender until it reads.
            var endPoint = new UnixDomainSocketEndPoint(path);
            using var receiver = new GreenSocket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            using var sender = new GreenSocket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            receiver.Bind(endPoint);
            await sender.ConnectAsync(endPoint);
            while (await TrySendTo(sender, endPoint))
            {
            }

            Later(async () =>
            {
                while (true)
                {
                    await receiver.ReceiveFromAsync(new byte[1]);
                }
            });
            Assert.Equal(1, await sender.SendToAsync(new byte[1], endPoint, Infinite));
        }),
        ["GreenSocket.ConnectAsync(EndPoint,Nullable`1,CancellationToken)"] = () => WithUnixPath(async path =>
        {
            // A Unix-domain listener with a full backlog: the connect retries until the accept below makes room.
            var endPoint = new UnixDomainSocketEndPoint(path);
            using var listener = new GreenSocket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(endPoint);
            listener.Listen(0);
            using var first = new GreenSocket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await first.ConnectAsync(endPoint);
            using var second = new GreenSocket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            Later(async () => (await listener.AcceptAsync()).Dispose());
            await second.ConnectAsync(endPoint, Infinite);
        }),
        ["GreenSocket.ConnectAsync(String,Int32,Nullable`1,CancellationToken)"] = () => WithTcpListener(async (listener, client) =>
        {
            // Resolved off the hub, then connected: the hub polls (and runs its timeouts) while both are under way.
            await client.ConnectAsync("localhost", ((IPEndPoint)listener.LocalEndPoint!).Port, Infinite);
            using GreenSocket accepted = await listener.AcceptAsync();
        }),
        ["GreenSocket.ConnectTcpAsync(String,Int32,Nullable`1,CancellationToken)"] = () => WithTcpListener(async (listener, _) =>
        {
            using GreenSocket client = await GreenSocket.ConnectTcpAsync("localhost", ((IPEndPoint)listener.LocalEndPoint!).Port, Infinite);
            using GreenSocket accepted = await listener.AcceptAsync();
        }),

        // ---- Subprocess ----
        ["Popen.WaitAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            using Popen p = Popen.Start(["sleep", "0.05"]);
            Assert.Equal(0, await p.WaitAsync(Infinite));
        },
        ["Popen.CommunicateAsync(ReadOnlyMemory`1,Nullable`1,CancellationToken)"] = async () =>
        {
            using Popen p = Popen.Start(["sh", "-c", "sleep 0.05; echo done"], stdout: Redirect.Pipe);
            (byte[]? output, _) = await p.CommunicateAsync(timeout: Infinite);
            Assert.Equal("done\n", System.Text.Encoding.ASCII.GetString(output!));
        },
        ["RunOptions.Timeout"] = async () =>
        {
            CompletedProcess done = await GreenProc.Subprocess.Subprocess.RunAsync(["sleep", "0.05"], new RunOptions { Timeout = Infinite });
            Assert.Equal(0, done.ReturnCode);
        },
        ["PopenOptions.PipeDrainGrace"] = async () =>
        {
            // After a kill by us, the pipes get the grace to reach end of stream: infinite means wait for them.
            using Popen p = Popen.Start(["sh", "-c", "sleep 0.05 >&2 & exec sleep 30"], new PopenOptions { Stdout = Redirect.Pipe, Stderr = Redirect.Pipe, PipeDrainGrace = Infinite });
            p.Kill();
            await p.CommunicateAsync(timeout: TimeSpan.FromSeconds(20));
            Assert.Equal(-9, p.ReturnCode);
        },

        // ---- Ipc ----
        ["GipcReader`1.GetAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            using GipcPipe<int> pipe = Gipc.Pipe<int>();
            Later(() => pipe.Writer.PutAsync(4).AsTask());
            Assert.Equal(4, await pipe.Reader.GetAsync(Infinite));
        },
        ["GipcReader`1.GetStreamAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>();
            Later(() => pipe.Writer.PutAsync([1, 2]).AsTask());
            using GipcMessageStream m = await pipe.Reader.GetStreamAsync(Infinite);
            Assert.Equal(2, m.Length);
        },
        ["GipcWriter`1.PutAsync(T,Nullable`1,CancellationToken)"] = () => WithFullWriter(async (pipe, w) => await w.PutAsync(new byte[1000], Infinite)),
        ["GipcWriter`1.FlushAsync(Nullable`1,CancellationToken)"] = () => WithFullWriter(async (pipe, w) => await w.FlushAsync(Infinite)),
        ["GipcDuplex`1.GetAsync(Nullable`1,CancellationToken)"] = () => WithDuplex(async (a, b) =>
        {
            Later(() => b.PutAsync(4).AsTask());
            Assert.Equal(4, await a.GetAsync(Infinite));
        }),
        ["GipcDuplex`1.GetStreamAsync(Nullable`1,CancellationToken)"] = () => WithDuplex(async (a, b) =>
        {
            Later(() => b.PutAsync(4).AsTask());
            using GipcMessageStream m = await a.GetStreamAsync(Infinite);
            Assert.Equal(4, m.Length);
        }),
        ["GipcDuplex`1.PutAsync(T,Nullable`1,CancellationToken)"] = () => WithDuplex(async (a, b) =>
        {
            await a.PutAsync(1, Infinite);
            Assert.Equal(1, await b.GetAsync());
        }),
        ["GipcDuplex`1.FlushAsync(Nullable`1,CancellationToken)"] = () => WithDuplex(async (a, b) =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                await a.PutAsync(i); // more than the pipe holds, within the writer's buffer limit
            }

            Later(async () =>
            {
                for (int i = 0; i < 100_000; i++)
                {
                    await b.GetAsync();
                }
            });
            await a.FlushAsync(Infinite);
        }),
        ["GipcProcess.JoinAsync(Nullable`1,CancellationToken)"] = async () =>
        {
            using GipcProcess child = Gipc.StartProcess(ChildThatSleeps);
            Assert.True(await child.JoinAsync(Infinite));
            Assert.Equal(0, child.ExitCode);
        },
        ["GipcOptions.ExitFlushTimeout"] = () => ExitFlushWithInfiniteTimeout(),
        ["ProcessPool.SubmitAsync(Func`2,TArg,Nullable`1,CancellationToken)`2"] = () => WithPool(async pool =>
            Assert.Equal(3, await pool.SubmitAsync(SleepThenReturn, 3, Infinite))),
        ["ProcessPool.SubmitAsync(Func`3,TArg,Nullable`1,CancellationToken)`2"] = () => WithPool(async pool =>
            Assert.Equal(3, await pool.SubmitAsync(SleepThenReturnWatching, 3, Infinite))),
        ["ProcessPoolOptions.TaskTimeout"] = () => WithPool(
            async pool => Assert.Equal(3, await pool.SubmitAsync(SleepThenReturnWatching, 3)),
            new ProcessPoolOptions { Workers = 1, TaskTimeout = Infinite }),
        ["ProcessPoolMapOptions.TaskTimeout"] = () => WithPool(async pool =>
            Assert.Equal(new[] { 1, 2 }, await pool.MapAsync(SleepThenReturnWatching, new[] { 1, 2 }, new ProcessPoolMapOptions { TaskTimeout = Infinite }))),
        ["ProcessPoolOptions.KillGrace"] = () => WithPool(
            async pool =>
            {
                // Cancelled while it runs, the task sees its token and returns anyway, and is never killed: its result
                // is delivered (a cancellation is a request).
                string started = Path.Combine(Path.GetTempPath(), $"greenproc-{Guid.NewGuid():N}");
                using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", started))
                {
                    mkfifo.WaitForExit();
                    Assert.Equal(0, mkfifo.ExitCode);
                }

                try
                {
                    using var cts = new CancellationTokenSource();
                    Task<string> run = pool.SubmitAsync(MarkThenReturnWhenCancelled, started, cancellationToken: cts.Token);
                    Assert.Equal("started", await Green.RunBlocking(() => File.ReadAllText(started))); // a FIFO: returns once the task wrote it
                    cts.Cancel();
                    Assert.Equal(started, await run);
                }
                finally
                {
                    File.Delete(started);
                }
            },
            new ProcessPoolOptions { Workers = 1, KillGrace = Infinite }),
    };

    internal static int SleepThenReturn(int x)
    {
        Thread.Sleep(20); // runs in a pool worker: a blocking wait is what a CPU-bound task looks like to the pool
        return x;
    }

    internal static int SleepThenReturnWatching(int x, CancellationToken token)
    {
        token.WaitHandle.WaitOne(20); // the workload: a task that takes a while, with no timeout to cut it short
        token.ThrowIfCancellationRequested();
        return x;
    }

    internal static string MarkThenReturnWhenCancelled(string path, CancellationToken token)
    {
        File.WriteAllText(path, "started"); // a FIFO the test is reading
        token.WaitHandle.WaitOne(); // returns only once the cancellation has reached the running task
        return path;
    }

    private static async Task WithPool(Func<ProcessPool, Task> body, ProcessPoolOptions? options = null)
    {
        await using var pool = new ProcessPool(options ?? new ProcessPoolOptions { Workers = 1 });
        await body(pool);
    }

    internal static Task ChildThatSleeps() => Green.Sleep(TimeSpan.FromMilliseconds(50)).AsTask();

    public static TheoryData<string> CaseNames() => new(Cases.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Every_timeout_parameter_and_option_has_a_case()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string name in new[] { "GreenProc.Runtime", "GreenProc.Subprocess", "GreenProc.Ipc", "GreenProc.Interop" })
        {
            foreach (Type type in Assembly.Load(name).GetExportedTypes())
            {
                const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
                foreach (MethodBase m in type.GetMethods(Declared).Where(m => !m.IsSpecialName).Cast<MethodBase>().Concat(type.GetConstructors()))
                {
                    if (m.GetParameters().Any(p => IsSpan(p.ParameterType)))
                    {
                        found.Add(Key(type, m));
                    }
                }

                foreach (PropertyInfo p in type.GetProperties(Declared).Where(p => p.SetMethod is { IsPublic: true } && IsSpan(p.PropertyType)))
                {
                    found.Add($"{type.Name}.{p.Name}");
                }
            }
        }

        string[] missing = found.Where(k => !Cases.ContainsKey(k) && !NotTimeouts.ContainsKey(k)).ToArray();
        string[] stale = Cases.Keys.Concat(NotTimeouts.Keys).Where(k => !found.Contains(k)).ToArray();
        Assert.True(missing.Length == 0, "members that take a span and have no InfiniteTimeSpan case: " + string.Join("; ", missing));
        Assert.True(stale.Length == 0, "cases for members that no longer exist: " + string.Join("; ", stale));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void InfiniteTimeSpan_means_no_timeout(string member)
    {
        Run(async () =>
        {
            using (GreenTimeout.Start(TimeSpan.FromSeconds(20))) // a hang fails here, not in the test host
            {
                await Cases[member]();
            }
        });
    }

    private static bool IsSpan(Type t) => t == typeof(TimeSpan) || t == typeof(TimeSpan?);

    private static string Key(Type type, MethodBase m)
    {
        string key = $"{type.Name}.{m.Name}({string.Join(",", m.GetParameters().Select(p => p.ParameterType.Name))})";
        return m.IsGenericMethodDefinition ? key + "`" + m.GetGenericArguments().Length : key;
    }

    // ---- helpers: each wait is satisfied by a greenlet after a 10 ms timer ----

    private static void Later(Action action) => Later(() =>
    {
        action();
        return Task.CompletedTask;
    });

    private static void Later(Func<Task> action) => _ = Green.Spawn(async () =>
    {
        await Green.Sleep(TimeSpan.FromMilliseconds(10));
        await action();
    });

    private static Greenlet LaterGreenlet() => Green.Spawn(() => Green.Sleep(TimeSpan.FromMilliseconds(10)).AsTask());

    private static Greenlet SlowToDie() => Green.Spawn(async () =>
    {
        try
        {
            await Green.Sleep(Infinite);
        }
        finally
        {
            await Green.Sleep(TimeSpan.FromMilliseconds(10)); // dies 10 ms after the kill reaches it
        }
    });

    private static async Task HeldLock(Func<GreenLock, Task> wait)
    {
        var l = new GreenLock();
        Greenlet holder = Green.Spawn(async () =>
        {
            using (await l.LockAsync())
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(10));
            }
        });
        await Green.Yield();
        await wait(l);
        await holder;
    }

    private static async Task HeldSemaphore(Func<GreenSemaphore, Task> wait)
    {
        var s = new GreenSemaphore(1);
        Greenlet holder = Green.Spawn(async () =>
        {
            using (await s.LockAsync())
            {
                await Green.Sleep(TimeSpan.FromMilliseconds(10));
            }
        });
        await Green.Yield();
        await wait(s);
        await holder;
    }

    private static async Task WithTcpListener(Func<GreenSocket, GreenSocket, Task> body)
    {
        using var listener = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await body(listener, client);
    }

    /// <summary>A server whose one connection ends when its client shuts down its side, 10 ms into the stop: an
    /// infinite grace lets it finish, and nothing is killed.</summary>
    private static async Task StopWithConnectionInFlight(GreenServerOptions options, Func<GreenServer, Task> stop)
    {
        bool finished = false;
        var inHandler = new GreenEvent();
        var server = new GreenServer(new IPEndPoint(IPAddress.Loopback, 0), async connection =>
        {
            inHandler.Set();
            while (await connection.ReceiveAsync(new byte[16]) > 0)
            {
            }

            finished = true;
        }, options);
        server.Start();
        using var client = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint);
        await inHandler.WaitAsync();
        Later(() => client.Shutdown(SocketShutdown.Send));
        await stop(server);
        Assert.True(finished);
    }

    private static Task WithTcpPair(Func<GreenSocket, GreenSocket, Task> body) => WithTcpListener(async (listener, client) =>
    {
        await client.ConnectAsync(listener.LocalEndPoint!);
        using GreenSocket accepted = await listener.AcceptAsync();
        await body(client, accepted);
    });

    private static async Task WithUnixPath(Func<string, Task> body)
    {
        string path = Path.Combine(Path.GetTempPath(), $"gp-{Guid.NewGuid():N}.sock");
        try
        {
            await body(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Sends until the socket's buffers are full (a zero timeout raises then).</summary>
    private static async Task Fill(GreenSocket socket)
    {
        var chunk = new byte[65536];
        while (true)
        {
            try
            {
                await socket.SendAsync(chunk, TimeSpan.Zero);
            }
            catch (GreenTimeoutException)
            {
                return;
            }
        }
    }

    private static async Task DrainAll(GreenSocket socket)
    {
        var buffer = new byte[1 << 20];
        while (await socket.ReceiveAsync(buffer) > 0)
        {
        }
    }

    private static async Task<bool> TrySendTo(GreenSocket socket, EndPoint to)
    {
        try
        {
            await socket.SendToAsync(new byte[1], to, TimeSpan.Zero);
            return true;
        }
        catch (GreenTimeoutException)
        {
            return false;
        }
    }

    private static async Task WithPipe(Func<SafeFdHandle, SafeFdHandle, Task> body)
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
        using (r)
        using (w)
        {
            await body(r, w);
        }
    }

    private static unsafe void Write(SafeFdHandle w)
    {
        byte b = 1;
        Assert.Equal(1, (int)Interop.Write(w, &b, 1));
    }

    private static unsafe void Fill(SafeFdHandle w)
    {
        byte* chunk = stackalloc byte[4096];
        while (Interop.Write(w, chunk, 4096) > 0)
        {
        }
    }

    /// <summary>Fills a pipe with whole 4 KiB gipc frames (writes of 4 KiB are atomic: a full pipe takes none).</summary>
    private static unsafe void FillWithFrames(SafeFdHandle w)
    {
        byte* frame = stackalloc byte[4096];
        new Span<byte>(frame, 4096).Clear();
        frame[0] = 0x47;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(new Span<byte>(frame + 1, 4), 4096 - 5);
        while (Interop.Write(w, frame, 4096) > 0)
        {
        }
    }

    private static unsafe void Drain(SafeFdHandle r)
    {
        byte* chunk = stackalloc byte[65536];
        Interop.Read(r, chunk, 65536);
    }

    /// <summary>A writer whose pipe is full and whose buffer is over its limit, and a reader that starts taking it all
    /// after 10 ms.</summary>
    private static async Task WithFullWriter(Func<GipcPipe<byte[]>, GipcWriter<byte[]>, Task> wait)
    {
        using GipcPipe<byte[]> pipe = Gipc.Pipe<byte[]>(options: new GipcOptions { PipeSize = null, WriteBufferLimit = 4096 });
        FillWithFrames(((Internal.IGipcHandle)pipe.Writer).Handle); // the 64 KiB pipe, with whole frames
        for (int i = 0; i < 5; i++)
        {
            await pipe.Writer.PutAsync(new byte[1000]); // accepted: the buffer is not over its limit before them
        }

        Later(async () =>
        {
            while (true)
            {
                await pipe.Reader.GetAsync();
            }
        });
        await wait(pipe, pipe.Writer);
    }

    private static async Task WithDuplex(Func<GipcDuplex<int>, GipcDuplex<int>, Task> body)
    {
        (GipcDuplex<int> a, GipcDuplex<int> b) = Gipc.DuplexPipe<int>();
        using (a)
        using (b)
        {
            await body(a, b);
        }
    }

    /// <summary>A hub that ends with messages pending, read after 10 ms by a hub on another thread: all delivered.</summary>
    private static async Task ExitFlushWithInfiniteTimeout()
    {
        using GipcPipe<int> pipe = Gipc.Pipe<int>(options: new GipcOptions { PipeSize = null, ExitFlushTimeout = Infinite });
        int got = await Green.RunBlocking(() =>
        {
            int count = 0;
            Exception? readerError = null;
            var reader = new Thread(() =>
            {
                try
                {
                    Green.Run(async () =>
                    {
                        await Green.Sleep(TimeSpan.FromMilliseconds(10));
                        await foreach (int _ in pipe.Reader.ReadAllAsync())
                        {
                            count++;
                        }
                    });
                }
                catch (Exception e)
                {
                    readerError = e;
                }
            });
            reader.Start();
            try
            {
                Green.Run(async () =>
                {
                    using GipcWriter<int> writer = pipe.Writer;
                    for (int i = 0; i < 100_000; i++)
                    {
                        await writer.PutAsync(i); // ~900 KB, more than the 64 KiB pipe: most is written at the hub's exit
                    }
                });
            }
            finally
            {
                pipe.Writer.Dispose(); // ends the reader's loop even if the writer's hub failed
                reader.Join();
            }

            return readerError is null ? count : throw new InvalidOperationException("the reader failed", readerError);
        });
        Assert.Equal(100_000, got);
    }
}
