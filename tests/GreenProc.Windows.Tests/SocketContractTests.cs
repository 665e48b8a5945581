using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Windows.Tests;

/// <summary>
/// Green sockets, the same contract on every platform: on Windows a socket's readiness is an AFD poll completing
/// through the hub's port; on Linux epoll. Connect, accept, echo, end of stream, timeouts, kill, a server with many
/// clients, and readiness waits on a raw socket.
/// </summary>
public class SocketContractTests
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    [Fact]
    public async Task A_client_and_a_server_greenlet_echo_and_see_end_of_stream()
    {
        (string echoed, int atEnd) = await HubRunner.RunAsync(async () =>
        {
            using var listener = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(AnyLoopback);
            listener.Listen();
            Greenlet server = Green.Spawn(async () =>
            {
                using GreenSocket conn = await listener.AcceptAsync();
                var buffer = new byte[1024];
                int n;
                while ((n = await conn.ReceiveAsync(buffer)) > 0)
                {
                    await conn.SendAllAsync(buffer.AsMemory(0, n));
                }
            });
            using var client = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            await client.SendAllAsync(Encoding.ASCII.GetBytes("hello, green"));
            var got = new byte[64];
            int total = 0;
            while (total < 12)
            {
                total += await client.ReceiveAsync(got.AsMemory(total));
            }

            client.Shutdown(SocketShutdown.Send);
            int end = await client.ReceiveAsync(got);
            await server;
            return (Encoding.ASCII.GetString(got, 0, total), end);
        });
        Assert.Equal("hello, green", echoed);
        Assert.Equal(0, atEnd);
    }

    [Fact]
    public async Task A_megabyte_each_way_through_one_connection_arrives_intact()
    {
        byte[] data = new byte[1 << 20];
        new Random(42).NextBytes(data);
        byte[] back = await HubRunner.RunAsync(async () =>
        {
            using var listener = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(AnyLoopback);
            listener.Listen();
            Greenlet server = Green.Spawn(async () =>
            {
                using GreenSocket conn = await listener.AcceptAsync();
                var buffer = new byte[65536];
                int n;
                while ((n = await conn.ReceiveAsync(buffer)) > 0)
                {
                    await conn.SendAllAsync(buffer.AsMemory(0, n));
                }
            });
            using var client = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            Greenlet sender = Green.Spawn(async () =>
            {
                await client.SendAllAsync(data);
                client.Shutdown(SocketShutdown.Send);
            });
            var received = new byte[data.Length + 1];
            int total = 0, r;
            while ((r = await client.ReceiveAsync(received.AsMemory(total))) > 0)
            {
                total += r;
            }

            await sender;
            await server;
            return received[..total];
        });
        Assert.True(data.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task Accept_and_receive_honour_their_timeouts_and_a_kill_and_the_socket_stays_usable()
    {
        (Type accept, Type receive, bool killed, string after) = await HubRunner.RunAsync(async () =>
        {
            using var listener = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(AnyLoopback);
            listener.Listen();
            Exception a = await PrimitiveContractTests.Record(async () => await listener.AcceptAsync(TimeSpan.FromMilliseconds(20)));
            using var client = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            using GreenSocket conn = await listener.AcceptAsync(TimeSpan.FromSeconds(30));
            Exception r = await PrimitiveContractTests.Record(async () => await conn.ReceiveAsync(new byte[8], TimeSpan.FromMilliseconds(20)));
            Greenlet parked = Green.Spawn(async () => { await conn.ReceiveAsync(new byte[8]); });
            await Green.Sleep(TimeSpan.Zero);
            await parked.KillAsync();
            await client.SendAllAsync(Encoding.ASCII.GetBytes("ok"));
            var buffer = new byte[8];
            int n = await conn.ReceiveAsync(buffer, TimeSpan.FromSeconds(30));
            return (a.GetType(), r.GetType(), parked.IsSuccessful, Encoding.ASCII.GetString(buffer, 0, n));
        });
        Assert.Equal(typeof(GreenTimeoutException), accept);
        Assert.Equal(typeof(GreenTimeoutException), receive);
        Assert.True(killed);
        Assert.Equal("ok", after);
    }

    [Fact]
    public async Task ConnectTcpAsync_finds_an_IPv4_only_server_by_the_name_localhost()
    {
        string echoed = await HubRunner.RunAsync(async () =>
        {
            using var listener = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(AnyLoopback);
            listener.Listen();
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            Greenlet server = Green.Spawn(async () =>
            {
                using GreenSocket conn = await listener.AcceptAsync();
                var buffer = new byte[16];
                int n = await conn.ReceiveAsync(buffer);
                await conn.SendAllAsync(buffer.AsMemory(0, n));
            });
            // "localhost" may resolve to ::1 first, where nothing listens: each address gets a fresh socket.
            using GreenSocket client = await GreenSocket.ConnectTcpAsync("localhost", port, TimeSpan.FromSeconds(30));
            await client.SendAllAsync(Encoding.ASCII.GetBytes("v4"));
            var got = new byte[16];
            int r = await client.ReceiveAsync(got, TimeSpan.FromSeconds(30));
            await server;
            return Encoding.ASCII.GetString(got, 0, r);
        });
        Assert.Equal("v4", echoed);
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_is_refused()
    {
        Exception error = await HubRunner.RunAsync(async () =>
        {
            int port;
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                probe.Bind(AnyLoopback);
                port = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening, then closed
            }

            using var client = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            return await PrimitiveContractTests.Record(async () => await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), TimeSpan.FromSeconds(30)));
        });
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(error).SocketErrorCode);
    }

    [Fact]
    public async Task A_server_serves_fifty_clients_at_once_without_a_thread_each()
    {
        (int echoed, int before, int during) = await HubRunner.RunAsync(async () =>
        {
            int start = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
            await using var server = new GreenServer(AnyLoopback, async conn =>
            {
                var buffer = new byte[256];
                int n;
                while ((n = await conn.ReceiveAsync(buffer)) > 0)
                {
                    await conn.SendAllAsync(buffer.AsMemory(0, n));
                }
            });
            server.Start();
            int peak = 0;
            var clients = new Greenlet<int>[50];
            for (int i = 0; i < clients.Length; i++)
            {
                int id = i;
                clients[i] = Green.Spawn(async () =>
                {
                    using var c = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await c.ConnectAsync(server.LocalEndPoint);
                    byte[] message = Encoding.ASCII.GetBytes($"client {id:D3}");
                    int ok = 0;
                    for (int round = 0; round < 10; round++)
                    {
                        await c.SendAllAsync(message);
                        var got = new byte[message.Length];
                        int total = 0;
                        while (total < got.Length)
                        {
                            total += await c.ReceiveAsync(got.AsMemory(total));
                        }

                        ok += got.AsSpan().SequenceEqual(message) ? 1 : 0;
                        peak = Math.Max(peak, System.Diagnostics.Process.GetCurrentProcess().Threads.Count);
                    }

                    return ok;
                });
            }

            int sum = 0;
            foreach (Greenlet<int> c in clients)
            {
                sum += await c;
            }

            await server.StopAsync();
            return (sum, start, peak);
        });
        Assert.Equal(500, echoed);
        Assert.True(during - before < 10, $"threads: {before} before, {during} with 50 clients");
    }

    [Fact]
    public async Task A_raw_socket_can_be_waited_on_for_reading_and_writing()
    {
        (bool writable, bool readable) = await HubRunner.RunAsync(async () =>
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(AnyLoopback);
            listener.Listen();
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            using Socket server = listener.Accept();
            server.Blocking = false;
            await Green.WaitWriteAsync(server.SafeHandle, TimeSpan.FromSeconds(30));
            Exception early = await PrimitiveContractTests.Record(async () => await Green.WaitReadAsync(server.SafeHandle, TimeSpan.FromMilliseconds(20)));
            Assert.IsType<GreenTimeoutException>(early);
            client.Send(new byte[] { 1 });
            await Green.WaitReadAsync(server.SafeHandle, TimeSpan.FromSeconds(30));
            return (true, server.Available == 1);
        });
        Assert.True(writable);
        Assert.True(readable);
    }
}
