using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>A thousand connections at once, then a stop: every socket is closed after (counting this process's fds
/// needs no other test running, hence the serial collection).</summary>
[Collection(nameof(SerialSocketTests))]
public sealed class GreenServerLeakTests
{
    [Theory]
    [InlineData(ReactorKind.Epoll)]
    [InlineData(ReactorKind.Poll)]
    public void A_thousand_concurrent_connections_leave_no_socket_open_after_a_stop_that_kills_them(ReactorKind reactor)
    {
        string[] before = GreenSocketLeakTests.OpenSockets();
        int connected = 0, handled = 0;
        TestHub.Run(reactor, async () =>
        {
            var allIn = new GreenEvent();
            var allHandled = new GreenEvent();
            await using var server = new GreenServer(new IPEndPoint(IPAddress.Loopback, 0), async connection =>
            {
                if (++handled == 1000)
                {
                    allHandled.Set();
                }

                var buffer = new byte[16];
                while (await connection.ReceiveAsync(buffer) > 0)
                {
                }
            }, new GreenServerOptions { Backlog = 1024 });
            server.Start();
            var clients = new GreenGroup();
            for (int i = 0; i < 1000; i++)
            {
                _ = clients.Spawn(async () =>
                {
                    using var socket = new GreenSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(server.LocalEndPoint, TimeSpan.FromSeconds(20));
                    if (++connected == 1000)
                    {
                        allIn.Set();
                    }

                    await allIn.WaitAsync();
                    var buffer = new byte[1];
                    await socket.ReceiveAsync(buffer, TimeSpan.FromSeconds(20)); // ends when the server closes its end
                });
            }

            Assert.True(await allIn.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(await allHandled.WaitAsync(TimeSpan.FromSeconds(30))); // the acceptor has taken them all from the backlog
            Assert.Equal(1000, server.ConnectionCount);

            await server.StopAsync(TimeSpan.Zero); // kills all 1,000 handlers
            Assert.Equal(0, server.ConnectionCount);
            Assert.True(await clients.JoinAsync(TimeSpan.FromSeconds(30), raiseError: true));
        });
        Assert.Equal(1000, connected);
        Assert.Equal(1000, handled);
        Assert.Empty(GreenSocketLeakTests.OpenSockets().Except(before));
    }
}
