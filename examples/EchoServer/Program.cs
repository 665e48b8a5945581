// gevent's echo server, two ways, on one hub, and a client that checks them:
//  1. the StreamServer way: a GreenServer runs a handler greenlet per connection;
//  2. the bare-hub way (the shape of a hand-written hub loop): one greenlet accepts, and each connection gets a
//     greenlet that receives and sends; every accept, recv and send parks only its own greenlet on the hub.
// Then a client greenlet per connection (100 of them) does 10 round trips against each server, and the servers stop
// gracefully. `dotnet run --project examples/EchoServer`; `-- serve PORT` keeps the GreenServer up for `nc`.
using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using GreenProc;

if (args.Length == 2 && args[0] == "serve")
{
    Green.Run(async () =>
    {
        await using var server = new GreenServer(new IPEndPoint(IPAddress.Loopback, int.Parse(args[1])), Echo);
        Console.WriteLine($"echoing on {server.LocalEndPoint}; Ctrl+C to stop");
        await server.ServeForeverAsync();
    });
    return;
}

Green.Run(async () =>
{
    // 1. StreamServer style.
    await using var server = new GreenServer(new IPEndPoint(IPAddress.Loopback, 0), Echo, new GreenServerOptions { MaxConnections = 1000 });
    server.Start();
    await RunClients("GreenServer", server.LocalEndPoint);

    // 2. Bare-hub style: accept, recv, send by hand.
    using var listener = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    listener.Listen(128);
    var connections = new GreenGroup();
    Greenlet acceptor = Green.Spawn(async () =>
    {
        while (true)
        {
            GreenSocket connection = await listener.AcceptAsync();
            _ = connections.Spawn(async () =>
            {
                using (connection)
                {
                    await Echo(connection);
                }
            });
        }
    }, "acceptor");
    await RunClients("bare hub", listener.LocalEndPoint!);
    await acceptor.KillAsync(); // an accept is a GreenProc wait: the kill lands at once
    await connections.JoinAsync(); // each client closed its end, so each handler has seen end of stream
    Console.WriteLine($"bare hub: acceptor killed = {acceptor.Killed}, connections left = {connections.Count}");

    await server.StopAsync(TimeSpan.FromSeconds(1));
    Console.WriteLine($"GreenServer: stopped, connections left = {server.ConnectionCount}");
});

// The handler: what comes in goes back out, until the peer closes its side.
static async Task Echo(GreenSocket connection)
{
    var buffer = new byte[64 * 1024];
    int n;
    while ((n = await connection.ReceiveAsync(buffer)) > 0)
    {
        await connection.SendAllAsync(buffer.AsMemory(0, n));
    }
}

// 100 clients, each its own greenlet and connection, 10 round trips of a line each, checked.
static async Task RunClients(string name, EndPoint server)
{
    const int Clients = 100, Rounds = 10;
    int ok = 0;
    long t0 = Stopwatch.GetTimestamp();
    var clients = new GreenGroup();
    for (int c = 0; c < Clients; c++)
    {
        int id = c;
        _ = clients.Spawn(async () =>
        {
            using var socket = new GreenSocket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server, TimeSpan.FromSeconds(10));
            socket.Socket.NoDelay = true;
            var reply = new byte[64];
            for (int r = 0; r < Rounds; r++)
            {
                byte[] line = Encoding.ASCII.GetBytes($"client {id} round {r}\n");
                await socket.SendAllAsync(line);
                int got = 0;
                while (got < line.Length)
                {
                    int n = await socket.ReceiveAsync(reply.AsMemory(got), TimeSpan.FromSeconds(10));
                    if (n == 0)
                    {
                        throw new InvalidOperationException($"{name}: the server closed client {id}'s connection");
                    }

                    got += n;
                }

                if (!reply.AsSpan(0, got).SequenceEqual(line))
                {
                    throw new InvalidOperationException($"{name}: client {id} got back something else");
                }
            }

            ok++;
        });
    }

    await clients.JoinAsync(raiseError: true);
    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    Console.WriteLine($"{name}: {ok} of {Clients} clients x {Rounds} round trips echoed intact in {ms:F0} ms");
}
