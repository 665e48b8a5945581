using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Soak;

/// <summary>
/// The echo-server soak (issue 17): a <see cref="GreenServer"/> in a child process, C connections from this process
/// each doing R round trips of random sizes (1 B .. 16 KiB), every reply compared byte for byte; the server's RSS read
/// from /proc every second.
/// </summary>
internal static class EchoSoak
{
    /// <summary>The child: serves until the parent says stop (or goes), then stops gracefully.</summary>
    public static async Task Serve(GipcWriter<int> port, GipcReader<int> stop)
    {
        await using var server = new GreenServer(new IPEndPoint(IPAddress.Loopback, 0), Echo, new GreenServerOptions { MaxConnections = 4096 });
        server.Start();
        await port.PutAsync(((IPEndPoint)server.LocalEndPoint).Port);
        try
        {
            await stop.GetAsync();
        }
        catch (EndOfStreamException)
        {
        }

        await server.StopAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task Echo(GreenSocket connection)
    {
        var buffer = new byte[64 << 10];
        int n;
        while ((n = await connection.ReceiveAsync(buffer)) > 0)
        {
            await connection.SendAllAsync(buffer.AsMemory(0, n));
        }
    }

    public static (long RoundTrips, long Wrong, long Bytes, double Seconds, int ExitCode, List<string> Samples) Run(int connections, int rounds, byte[] source, int seed)
    {
        var samples = new List<string> { "seconds,round_trips,server_rss_mb,client_heap_mb" };
        long trips = 0, wrong = 0, bytes = 0;
        int exit = -1;
        var clock = Stopwatch.StartNew();
        Green.Run(async () =>
        {
            using GipcPipe<int> portPipe = Gipc.Pipe<int>();
            using GipcPipe<int> stopPipe = Gipc.Pipe<int>();
            using GipcProcess server = Gipc.StartProcess(Serve, portPipe.Writer, stopPipe.Reader, name: "echo-server");
            int port = await portPipe.Reader.GetAsync(TimeSpan.FromSeconds(30));
            bool done = false;
            Greenlet sampler = Memory.Sampler(
                samples,
                () => string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F1},{trips},{Memory.Rss(server.Pid) / 1048576.0:F1},{GC.GetTotalMemory(false) / 1048576.0:F1}"),
                () => done);

            var clients = new GreenGroup();
            for (int c = 0; c < connections; c++)
            {
                var random = new Random((seed * 7919) + c);
                _ = clients.Spawn(async () =>
                {
                    using GreenSocket socket = await GreenSocket.ConnectTcpAsync("127.0.0.1", port, TimeSpan.FromSeconds(30));
                    socket.Socket.NoDelay = true;
                    var reply = new byte[16 << 10];
                    for (int r = 0; r < rounds; r++)
                    {
                        int size = 1 + random.Next(16 << 10);
                        ReadOnlyMemory<byte> line = source.AsMemory(random.Next(4096), size);
                        await socket.SendAllAsync(line, TimeSpan.FromSeconds(60));
                        int got = 0;
                        while (got < size)
                        {
                            int n = await socket.ReceiveAsync(reply.AsMemory(got, size - got), TimeSpan.FromSeconds(60));
                            if (n == 0)
                            {
                                throw new IOException("the server closed a connection mid-soak");
                            }

                            got += n;
                        }

                        wrong += reply.AsSpan(0, size).SequenceEqual(line.Span) ? 0 : 1;
                        trips++;
                        bytes += size;
                    }
                });
            }

            await clients.JoinAsync(raiseError: true);
            done = true;
            await sampler.JoinAsync();
            await stopPipe.Writer.PutAsync(1);
            await server.JoinAsync(TimeSpan.FromSeconds(30));
            exit = server.ExitCode ?? -1;
        });
        return (trips, wrong, bytes, clock.Elapsed.TotalSeconds, exit, samples);
    }
}
