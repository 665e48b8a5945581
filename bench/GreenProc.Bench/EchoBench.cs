// GreenProc.Bench, echo modes (issue 14): a server echoing on 127.0.0.1 and CONNS clients in the same process, ROUNDS
// round trips of SIZE bytes each, every connection with one request in flight (the shape of
// ../shared/bench/gevent/bench_echo.py, line for line: the clock starts before the clients connect and stops when the
// last one has done its rounds; the server is set up before it and stopped after it):
//   echo CONNS ROUNDS [SIZE]        GreenServer (a greenlet per connection) + CONNS client greenlets, all GreenSockets,
//                                   one hub thread
//   echo_tasks CONNS ROUNDS [SIZE]  plain .NET async sockets: an AcceptAsync loop, a Task per connection with
//                                   ReceiveAsync/SendAsync, CONNS client Tasks; continuations on the thread pool (what
//                                   Kestrel-style code does; .NET's own epoll thread dispatches the completions)
// Both warm up with WarmUp (Program.cs), as the other in-process throughput modes do: a run is a whole server and its
// clients (a Green.Run, whose hub loop is entered once per run, like pipe_pingpong's), and both sides get the same
// schedule, so the JIT has settled on either before the timed run. One JSON line with round_trips_per_s and
// us_per_round_trip (the gevent script's fields), the cold first run, and allocations over the timed run.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using GreenProc;

namespace GreenProc.Bench;

internal static partial class Program
{
    private static void Echo(bool tasks, int conns, int rounds, int size)
    {
        if (conns < 1 || rounds < 1 || size < 1 || size > 65536)
        {
            throw new FormatException("echo: CONNS and ROUNDS must be at least 1, SIZE 1..65536");
        }

        Func<int, double> run = tasks ? r => RunEchoTasks(conns, r, size) : r => RunEchoGreen(conns, r, size);
        Warm warm = WarmUp(rounds, run);
        Alloc alloc = Alloc.Start();
        double dt = run(rounds);
        alloc.Stop();
        long n = (long)conns * rounds;
        Emit(w =>
        {
            Head(w, tasks ? "echo_tasks" : "echo", rounds, tasks ? "dotnet_tasks" : "greenproc");
            w.WriteNumber("conns", conns);
            w.WriteNumber("rounds", rounds);
            w.WriteNumber("size", size);
            w.WriteNumber("seconds", Math.Round(dt, 4));
            w.WriteNumber("round_trips_per_s", Math.Round(n / dt));
            w.WriteNumber("us_per_round_trip", Math.Round(dt / n * 1e6, 2));
            warm.Write(w, n, "round_trips_per_s");
            alloc.Write(w, n, "round_trip");
        });
    }

    /// <summary>Fails a run whose peer closed early: a receive that returns 0 (end of stream) must not loop for ever.</summary>
    private static EndOfStreamException EchoClosed() => new("echo: the server closed the connection before the reply came");

    private static double RunEchoGreen(int conns, int rounds, int size)
    {
        return Green.Run(async () =>
        {
            // bench_echo.py's handle(): receive up to 64 KiB, send it all back, until the client closes.
            await using var server = new GreenServer(new IPEndPoint(IPAddress.Loopback, 0), async connection =>
            {
                var buffer = new byte[65536];
                int k;
                while ((k = await connection.ReceiveAsync(buffer)) > 0)
                {
                    await connection.SendAllAsync(buffer.AsMemory(0, k));
                }
            }, new GreenServerOptions { Backlog = 4096 });
            server.Start();
            EndPoint address = server.LocalEndPoint;
            var payload = new byte[size];
            payload.AsSpan().Fill((byte)'x');

            long t0 = Stopwatch.GetTimestamp();
            var clients = new GreenGroup();
            for (int c = 0; c < conns; c++)
            {
                _ = clients.Spawn(async () =>
                {
                    using var socket = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(address);
                    socket.Socket.NoDelay = true;
                    var reply = new byte[65536];
                    for (int r = 0; r < rounds; r++)
                    {
                        await socket.SendAllAsync(payload);
                        for (int got = 0; got < size;)
                        {
                            int k = await socket.ReceiveAsync(reply);
                            got += k > 0 ? k : throw EchoClosed();
                        }
                    }
                });
            }

            await clients.JoinAsync(raiseError: true);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        });
    }

    private static double RunEchoTasks(int conns, int rounds, int size)
    {
        return RunEchoTasksAsync(conns, rounds, size).GetAwaiter().GetResult();
    }

    private static async Task<double> RunEchoTasksAsync(int conns, int rounds, int size)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4096);
        EndPoint address = listener.LocalEndPoint!;

        static async Task Serve(Socket connection)
        {
            using (connection)
            {
                var buffer = new byte[65536];
                int k;
                while ((k = await connection.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    for (int sent = 0; sent < k;)
                    {
                        sent += await connection.SendAsync(buffer.AsMemory(sent, k - sent), SocketFlags.None);
                    }
                }
            }
        }

        // The handlers are kept (and awaited after the clients) so that a failing one fails the run and no run's
        // connections are still being served in the next one.
        var handlers = new List<Task>(conns);
        Task acceptor = Task.Run(async () =>
        {
            for (int accepted = 0; accepted < conns; accepted++)
            {
                Socket connection = await listener.AcceptAsync();
                handlers.Add(Task.Run(() => Serve(connection)));
            }
        });
        var payload = new byte[size];
        payload.AsSpan().Fill((byte)'x');

        long t0 = Stopwatch.GetTimestamp();
        var clients = new Task[conns];
        for (int c = 0; c < conns; c++)
        {
            clients[c] = Task.Run(async () =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(address);
                socket.NoDelay = true;
                var reply = new byte[65536];
                for (int r = 0; r < rounds; r++)
                {
                    for (int sent = 0; sent < size;)
                    {
                        sent += await socket.SendAsync(payload.AsMemory(sent), SocketFlags.None);
                    }

                    for (int got = 0; got < size;)
                    {
                        int k = await socket.ReceiveAsync(reply, SocketFlags.None);
                        got += k > 0 ? k : throw EchoClosed();
                    }
                }
            });
        }

        await Task.WhenAll(clients);
        double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        await acceptor; // every client connected, so every connection was accepted
        await Task.WhenAll(handlers);
        return dt;
    }
}
