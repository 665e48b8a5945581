using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>GreenServer (gevent's StreamServer, issue 14) on loopback TCP and Unix sockets, on both reactors.</summary>
public abstract class GreenServerTests : HubTestBase
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    private static async Task Echo(GreenSocket connection)
    {
        var buffer = new byte[4096];
        int n;
        while ((n = await connection.ReceiveAsync(buffer)) > 0)
        {
            await connection.SendAllAsync(buffer.AsMemory(0, n));
        }
    }

    private static async Task<GreenSocket> Connect(EndPoint server)
    {
        var socket = new GreenSocket(server.AddressFamily, SocketType.Stream, server.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server, TimeSpan.FromSeconds(20));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<string> RoundTrip(GreenSocket socket, string text)
    {
        byte[] line = Encoding.ASCII.GetBytes(text);
        await socket.SendAllAsync(line);
        var reply = new byte[line.Length];
        int got = 0;
        while (got < reply.Length)
        {
            int n = await socket.ReceiveAsync(reply.AsMemory(got), TimeSpan.FromSeconds(20));
            Assert.True(n > 0, "the server closed the connection");
            got += n;
        }

        return Encoding.ASCII.GetString(reply);
    }

    [Fact]
    public void Two_hundred_clients_are_served_at_once_each_by_its_own_greenlet()
    {
        Run(async () =>
        {
            await using var server = new GreenServer(AnyLoopback, Echo);
            server.Start();
            Assert.True(server.IsServing);
            var clients = new GreenGroup();
            int ok = 0;
            for (int c = 0; c < 200; c++)
            {
                int id = c;
                _ = clients.Spawn(async () =>
                {
                    using GreenSocket socket = await Connect(server.LocalEndPoint);
                    for (int r = 0; r < 10; r++)
                    {
                        string text = $"client {id} round {r};";
                        Assert.Equal(text, await RoundTrip(socket, text));
                    }

                    ok++;
                });
            }

            Assert.True(await clients.JoinAsync(TimeSpan.FromSeconds(30), raiseError: true));
            Assert.Equal(200, ok);
            await server.StopAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, server.ConnectionCount);
            Assert.False(server.IsServing);
        });
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_handler_that_throws_ends_its_connection_only_and_is_reported()
    {
        Run(async () =>
        {
            int served = 0;
            await using var server = new GreenServer(AnyLoopback, async connection =>
            {
                if (++served == 1)
                {
                    throw new InvalidOperationException("handler failed");
                }

                await Echo(connection);
            });
            server.Start();
            using (GreenSocket first = await Connect(server.LocalEndPoint))
            {
                var buffer = new byte[1];
                Assert.Equal(0, await first.ReceiveAsync(buffer, TimeSpan.FromSeconds(20))); // closed by the server
            }

            using GreenSocket second = await Connect(server.LocalEndPoint);
            Assert.Equal("still serving", await RoundTrip(second, "still serving"));
        });
        Assert.Equal("handler failed", Assert.Single(Reported).Error.Message);
    }

    [Fact]
    public void MaxConnections_holds_further_clients_in_the_backlog_until_a_connection_ends()
    {
        Run(async () =>
        {
            var release = new GreenEvent();
            var started = new GreenQueue<int>();
            int next = 0;
            await using var server = new GreenServer(AnyLoopback, async connection =>
            {
                await started.PutAsync(++next);
                await release.WaitAsync();
            }, new GreenServerOptions { MaxConnections = 2 });
            server.Start();
            var sockets = new List<GreenSocket>();
            try
            {
                for (int i = 0; i < 3; i++)
                {
                    sockets.Add(await Connect(server.LocalEndPoint)); // the third completes in the kernel's backlog
                }

                Assert.Equal(1, await started.GetAsync(TimeSpan.FromSeconds(20)));
                Assert.Equal(2, await started.GetAsync(TimeSpan.FromSeconds(20)));
                await Assert.ThrowsAsync<GreenTimeoutException>(() => started.GetAsync(TimeSpan.FromMilliseconds(50)).AsTask());
                Assert.Equal(2, server.ConnectionCount);

                release.Set();
                Assert.Equal(3, await started.GetAsync(TimeSpan.FromSeconds(20)));
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
            }
        });
    }

    [Fact]
    public void A_graceful_stop_refuses_new_clients_and_lets_the_connection_in_flight_finish()
    {
        Run(async () =>
        {
            bool killed = false;
            var inHandler = new GreenEvent();
            var server = new GreenServer(AnyLoopback, async connection =>
            {
                try
                {
                    inHandler.Set();
                    await Echo(connection);
                }
                catch (GreenletExit)
                {
                    killed = true;
                    throw;
                }
            });
            server.Start();
            EndPoint address = server.LocalEndPoint;
            using GreenSocket client = await Connect(address);
            Assert.True(await inHandler.WaitAsync(TimeSpan.FromSeconds(20)));

            Greenlet stopper = Green.Spawn(() => server.StopAsync(TimeSpan.FromSeconds(20)));
            await Green.Yield();
            Assert.False(server.IsServing);
            var refused = await Assert.ThrowsAsync<SocketException>(async () => (await Connect(address)).Dispose());
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

            Assert.Equal("in flight", await RoundTrip(client, "in flight")); // still served while stopping
            client.Shutdown(SocketShutdown.Send); // the handler sees end of stream and returns
            await stopper.GetAsync(TimeSpan.FromSeconds(20));
            Assert.False(killed);
            Assert.Equal(0, server.ConnectionCount);
        });
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_stop_kills_the_connections_still_busy_when_its_timeout_passes_or_its_token_is_cancelled()
    {
        Run(async () =>
        {
            foreach (bool byToken in new[] { false, true })
            {
                int killed = 0;
                var inHandler = new GreenEvent();
                var server = new GreenServer(AnyLoopback, async connection =>
                {
                    try
                    {
                        inHandler.Set();
                        await Echo(connection); // the client never closes: only a kill ends this
                    }
                    finally
                    {
                        killed++;
                    }
                });
                server.Start();
                using GreenSocket client = await Connect(server.LocalEndPoint);
                Assert.True(await inHandler.WaitAsync(TimeSpan.FromSeconds(20)));
                if (byToken)
                {
                    using var cts = new CancellationTokenSource();
                    cts.Cancel();
                    await server.StopAsync(TimeSpan.FromMinutes(5), cts.Token);
                }
                else
                {
                    await server.StopAsync(TimeSpan.Zero);
                }

                Assert.Equal(1, killed);
                Assert.Equal(0, server.ConnectionCount);
                var buffer = new byte[1];
                Assert.Equal(0, await client.ReceiveAsync(buffer, TimeSpan.FromSeconds(20))); // the server closed its end
            }
        });
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_handler_can_stop_its_own_server_and_a_full_server_stops_too()
    {
        Run(async () =>
        {
            // A "shutdown" command handled by a connection of the server itself.
            GreenServer? self = null;
            self = new GreenServer(AnyLoopback, async connection =>
            {
                await self!.StopAsync(TimeSpan.FromSeconds(20)); // returns at once: the stop runs beside this handler
                await connection.SendAllAsync("bye"u8.ToArray());
            });
            Greenlet serving = Green.Spawn(() => self.ServeForeverAsync());
            await Green.Yield();
            using (GreenSocket client = await Connect(self.LocalEndPoint))
            {
                var reply = new byte[3];
                Assert.Equal(3, await client.ReceiveAsync(reply, TimeSpan.FromSeconds(20)));
                Assert.Equal("bye"u8.ToArray(), reply);
            }

            await serving.GetAsync(TimeSpan.FromSeconds(20));
            Assert.False(self.IsServing);

            // At MaxConnections the acceptor waits for a free slot: a stop still ends it (the busy handler is killed).
            var busy = new GreenEvent();
            var full = new GreenServer(AnyLoopback, async connection =>
            {
                busy.Set();
                await Green.Sleep(Timeout.InfiniteTimeSpan);
            }, new GreenServerOptions { MaxConnections = 1 });
            full.Start();
            using GreenSocket only = await Connect(full.LocalEndPoint);
            Assert.True(await busy.WaitAsync(TimeSpan.FromSeconds(20)));
            await full.StopAsync(TimeSpan.Zero);
            Assert.Equal(0, full.ConnectionCount);
        });
        Assert.Empty(Reported);
    }

    [Fact]
    public void ServeForeverAsync_returns_when_the_server_is_stopped_and_its_token_stops_it()
    {
        Run(async () =>
        {
            var server = new GreenServer(AnyLoopback, Echo);
            Greenlet serving = Green.Spawn(() => server.ServeForeverAsync());
            await Green.Yield();
            Assert.True(server.IsServing);
            using (GreenSocket client = await Connect(server.LocalEndPoint))
            {
                Assert.Equal("x", await RoundTrip(client, "x"));
            }

            await server.StopAsync();
            await serving.GetAsync(TimeSpan.FromSeconds(20));

            using var cts = new CancellationTokenSource();
            var second = new GreenServer(AnyLoopback, Echo);
            Greenlet serving2 = Green.Spawn(() => second.ServeForeverAsync(cts.Token));
            await Green.Yield();
            Assert.True(second.IsServing);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving2.GetAsync(TimeSpan.FromSeconds(20)).AsTask());
            Assert.False(second.IsServing);
        });
    }

    [Fact]
    public void A_Unix_domain_socket_server_echoes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"greenproc-server-{Guid.NewGuid():N}.sock");
        try
        {
            Run(async () =>
            {
                await using var server = new GreenServer(new UnixDomainSocketEndPoint(path), Echo);
                server.Start();
                using GreenSocket client = await Connect(server.LocalEndPoint);
                Assert.Equal("over a unix socket", await RoundTrip(client, "over a unix socket"));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bad_arguments_and_misuse_are_refused_with_clear_exceptions()
    {
        Run(async () =>
        {
            Assert.Throws<ArgumentNullException>(() => new GreenServer((EndPoint)null!, Echo));
            Assert.Throws<ArgumentNullException>(() => new GreenServer(AnyLoopback, null!));
            Assert.Throws<ArgumentOutOfRangeException>(() => new GreenServer(AnyLoopback, Echo, new GreenServerOptions { Backlog = -1 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new GreenServer(AnyLoopback, Echo, new GreenServerOptions { MaxConnections = 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new GreenServer(AnyLoopback, Echo, new GreenServerOptions { StopTimeout = TimeSpan.FromSeconds(-2) }));

            var server = new GreenServer(AnyLoopback, Echo);
            server.Start();
            Assert.Throws<InvalidOperationException>(() => server.Start());
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => server.StopAsync(TimeSpan.FromSeconds(-2)));
            await server.StopAsync();
            await server.StopAsync(); // a second stop does nothing
            Assert.Throws<InvalidOperationException>(() => server.Start());

            var neverStarted = new GreenServer(AnyLoopback, Echo);
            await neverStarted.StopAsync();
            await Assert.ThrowsAsync<InvalidOperationException>(() => neverStarted.ServeForeverAsync());

            // The address is taken: the constructor says so, and leaks nothing.
            await using var holder = new GreenServer(AnyLoopback, Echo);
            holder.Start();
            var taken = Assert.Throws<SocketException>(() => new GreenServer(holder.LocalEndPoint, Echo));
            Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        });
    }
}

public sealed class GreenServerTests_Epoll : GreenServerTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class GreenServerTests_Poll : GreenServerTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
