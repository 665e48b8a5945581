using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>The collection of tests that count this process's descriptors: they run alone (fds are per process).</summary>
[CollectionDefinition(nameof(SerialSocketTests), DisableParallelization = true)]
public sealed class SerialSocketTests
{
}

/// <summary>
/// A thousand connections, each through accept, a wait on both sides and dispose (half of them while the other side
/// still waits), leave no socket open: counted in /proc/self/fd before and after.
/// </summary>
[Collection(nameof(SerialSocketTests))]
public abstract class GreenSocketLeakTests : HubTestBase
{
    private const int Connections = 1000, AtOnce = 100;

    public static TheoryData<SocketTransport> Transports() => new() { SocketTransport.Tcp4, SocketTransport.Unix };

    [Theory]
    [MemberData(nameof(Transports))]
    public void A_thousand_connections_opened_and_closed_leave_no_socket_open(SocketTransport transport)
    {
        string[] before = OpenSockets();
        Run(async () =>
        {
            var group = new GreenGroup();
            try
            {
                using var server = LoopbackServer.Start(transport);
                _ = group.Spawn(async () =>
                {
                    while (true)
                    {
                        GreenSocket connection = await server.Listener.AcceptAsync();
                        _ = group.Spawn(async () =>
                        {
                            using (connection)
                            {
                                var one = new byte[1];
                                if (await connection.ReceiveAsync(one) == 1)
                                {
                                    await connection.SendAllAsync(one);
                                }

                                if (one[0] == 1)
                                {
                                    await connection.ReceiveAsync(one); // waits: the client disposes it from the other side
                                }
                            }
                        });
                    }
                });

                for (int done = 0; done < Connections; done += AtOnce)
                {
                    var clients = new List<Greenlet>();
                    for (int i = 0; i < AtOnce; i++)
                    {
                        byte mark = (byte)(i % 2);
                        clients.Add(group.Spawn(async () =>
                        {
                            using GreenSocket client = server.NewClient();
                            await client.ConnectAsync(server.EndPoint, TimeSpan.FromSeconds(10));
                            await client.SendAllAsync(new[] { mark });
                            var reply = new byte[1];
                            Assert.Equal(1, await client.ReceiveAsync(reply, TimeSpan.FromSeconds(10)));
                        }));
                    }

                    await Green.JoinAll(clients, TimeSpan.FromSeconds(20), raiseError: true);
                }
            }
            finally
            {
                await group.KillAsync(timeout: TimeSpan.FromSeconds(10));
            }
        });

        string[] leaked = OpenSockets().Except(before).ToArray();
        Assert.True(leaked.Length == 0, "sockets left open: " + string.Join(", ", leaked));
    }

    /// <summary>The sockets this process holds, as "fd -> socket:[inode]".</summary>
    internal static string[] OpenSockets() => Directory.GetFiles("/proc/self/fd")
        .Select(fd =>
        {
            try
            {
                return $"{Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}";
            }
            catch (IOException)
            {
                return ""; // closed meanwhile
            }
        })
        .Where(entry => entry.Contains("socket:", StringComparison.Ordinal))
        .ToArray();
}

public sealed class GreenSocketLeakTests_Epoll : GreenSocketLeakTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class GreenSocketLeakTests_Poll : GreenSocketLeakTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
