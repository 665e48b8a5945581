using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>
/// GreenSocket over real loopback sockets (TCP on 127.0.0.1 and ::1, UDP, Unix-domain stream and datagram sockets):
/// data, waits, timeouts, kill, cancellation, peers that reset, half-close or stall, and disposal. Every greenlet a
/// test spawns is in a group that is killed when the test ends, so a failing test still closes its sockets.
/// </summary>
public abstract class GreenSocketTests : HubTestBase
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    public static TheoryData<SocketTransport> StreamTransports()
    {
        var data = new TheoryData<SocketTransport> { SocketTransport.Tcp4, SocketTransport.Unix };
        if (LoopbackServer.HasIPv6Loopback)
        {
            data.Add(SocketTransport.Tcp6); // left out (not failed) where the machine has no ::1
        }

        return data;
    }

    public static TheoryData<SocketTransport> IPTransports()
    {
        var data = new TheoryData<SocketTransport> { SocketTransport.Tcp4 };
        if (LoopbackServer.HasIPv6Loopback)
        {
            data.Add(SocketTransport.Tcp6);
        }

        return data;
    }

    /// <summary>Runs <paramref name="body"/> on the hub; whatever it spawned into the group is killed when it ends.</summary>
    private void RunWithGroup(Func<GreenGroup, Task> body) => Run(async () =>
    {
        var group = new GreenGroup();
        try
        {
            using (GreenTimeout.Start(TimeSpan.FromSeconds(20))) // a hang fails here, with the hub still able to clean up
            {
                await body(group);
            }
        }
        finally
        {
            await group.KillAsync(timeout: Long);
        }
    });

    // ---- data ----

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void Four_MiB_echoed_over_loopback_arrive_intact(SocketTransport transport)
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(transport);
            using SocketPair pair = await server.ConnectPairAsync();
            if (transport == SocketTransport.Unix)
            {
                Assert.Equal(server.EndPoint.ToString(), pair.Client.RemoteEndPoint!.ToString());
            }
            else
            {
                Assert.Equal(server.EndPoint, pair.Client.RemoteEndPoint);
                Assert.Equal(server.EndPoint, pair.Accepted.LocalEndPoint);
                Assert.Equal(pair.Client.LocalEndPoint, pair.Accepted.RemoteEndPoint);
            }

            _ = group.Spawn(() => Echo(pair.Accepted));
            var data = new byte[4 << 20];
            new Random(7).NextBytes(data);
            _ = group.Spawn(async () =>
            {
                for (int off = 0; off < data.Length; off += 100_000)
                {
                    await pair.Client.SendAllAsync(data.AsMemory(off, Math.Min(100_000, data.Length - off)));
                }

                pair.Client.Shutdown(SocketShutdown.Send);
            });
            byte[] received = await ReceiveToEnd(pair.Client);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        });
    }

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void Two_hundred_clients_of_ten_rounds_each_share_one_hub(SocketTransport transport)
    {
        const int Clients = 200, Rounds = 10;
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(transport, backlog: 1024); // above the clients: no SYN is dropped
            _ = group.Spawn(async () =>
            {
                while (true)
                {
                    GreenSocket connection = await server.Listener.AcceptAsync();
                    _ = group.Spawn(async () =>
                    {
                        using (connection)
                        {
                            await Echo(connection);
                        }
                    });
                }
            });
            var clients = new List<Greenlet<int>>();
            for (int i = 0; i < Clients; i++)
            {
                int id = i;
                clients.Add(Green.Spawn(async () =>
                {
                    using GreenSocket client = server.NewClient();
                    await client.ConnectAsync(server.EndPoint);
                    var reply = new byte[16];
                    for (int round = 0; round < Rounds; round++)
                    {
                        byte[] message = Encoding.ASCII.GetBytes($"c{id:D5} round {round:D3}"); // 16 bytes
                        await client.SendAllAsync(message);
                        await ReceiveExactly(client, reply);
                        Assert.Equal(message, reply);
                    }

                    return Rounds;
                }));
                group.Add(clients[^1]);
            }

            int total = 0;
            foreach (Greenlet<int> c in clients)
            {
                total += await c;
            }

            Assert.Equal(Clients * Rounds, total);
        });
    }

    [Theory]
    [MemberData(nameof(IPTransports))]
    public void Udp_datagrams_arrive_with_their_sender_and_a_receiver_waits_for_them(SocketTransport transport)
    {
        RunWithGroup(async group =>
        {
            IPAddress loopback = transport == SocketTransport.Tcp4 ? IPAddress.Loopback : IPAddress.IPv6Loopback;
            using GreenSocket a = LoopbackServer.NewSocket(transport, SocketType.Dgram);
            using GreenSocket b = LoopbackServer.NewSocket(transport, SocketType.Dgram);
            a.Bind(new IPEndPoint(loopback, 0));
            b.Bind(new IPEndPoint(loopback, 0));
            Greenlet<(int, EndPoint)> receiver = Green.Spawn(async () => await b.ReceiveFromAsync(new byte[100], Long));
            group.Add(receiver);
            await Green.Yield(); // the receiver parks: nothing has been sent
            Assert.False(receiver.IsReady);

            Assert.Equal(5, await a.SendToAsync("hello"u8.ToArray(), b.LocalEndPoint!));
            (int n, EndPoint from) = await receiver;
            Assert.Equal(5, n);
            Assert.Equal(a.LocalEndPoint, from);

            // One already there is taken at once, and an empty datagram is a datagram.
            await a.SendToAsync(ReadOnlyMemory<byte>.Empty, b.LocalEndPoint!);
            ValueTask<(int, EndPoint)> ready = b.ReceiveFromAsync(new byte[100]);
            Assert.True(ready.IsCompletedSuccessfully);
            Assert.Equal(0, (await ready).Item1);

            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await b.ReceiveFromAsync(new byte[100], Short));
        });
    }

    [Fact]
    public void Unix_datagrams_carry_the_sender_path_and_a_full_receiver_makes_the_sender_wait()
    {
        string receiverPath = LoopbackServer.TempSocketPath(), senderPath = LoopbackServer.TempSocketPath();
        try
        {
            RunWithGroup(async group =>
            {
                var receiverEndPoint = new UnixDomainSocketEndPoint(receiverPath);
                using GreenSocket receiver = LoopbackServer.NewSocket(SocketTransport.Unix, SocketType.Dgram);
                using GreenSocket sender = LoopbackServer.NewSocket(SocketTransport.Unix, SocketType.Dgram);
                receiver.Bind(receiverEndPoint);
                sender.Bind(new UnixDomainSocketEndPoint(senderPath));
                await sender.SendToAsync(new byte[] { 1, 2, 3 }, receiverEndPoint);
                var buffer = new byte[64];
                (int n, EndPoint from) = await receiver.ReceiveFromAsync(buffer);
                Assert.Equal(3, n);
                Assert.Equal(senderPath, from.ToString());

                // Connected to its receiver, the sender is told when the receiver's queue has room again.
                await sender.ConnectAsync(receiverEndPoint);
                int queued = await FillDatagrams(sender, receiverEndPoint);
                Greenlet<int> blocked = Green.Spawn(async () => await sender.SendToAsync(new byte[] { 9 }, receiverEndPoint, Long));
                group.Add(blocked);
                await Green.Yield();
                Assert.False(blocked.IsReady);
                Assert.Equal(queued + 1, await DrainUntilNine(receiver)); // the sender got room as the queue drained
                Assert.Equal(1, await blocked);
            });
        }
        finally
        {
            LoopbackServer.DeleteIfAny(receiverPath);
            LoopbackServer.DeleteIfAny(senderPath);
        }
    }

    [Fact]
    public void An_unconnected_Unix_datagram_sender_retries_until_the_receiver_has_room()
    {
        string receiverPath = LoopbackServer.TempSocketPath();
        try
        {
            RunWithGroup(async group =>
            {
                var receiverEndPoint = new UnixDomainSocketEndPoint(receiverPath);
                using GreenSocket receiver = LoopbackServer.NewSocket(SocketTransport.Unix, SocketType.Dgram);
                using GreenSocket sender = LoopbackServer.NewSocket(SocketTransport.Unix, SocketType.Dgram);
                receiver.Bind(receiverEndPoint);
                int queued = await FillDatagrams(sender, receiverEndPoint);
                Assert.True(queued > 0);
                Greenlet<int> blocked = Green.Spawn(async () => await sender.SendToAsync(new byte[] { 9 }, receiverEndPoint, Long));
                group.Add(blocked);
                await Green.Yield();
                Assert.False(blocked.IsReady);
                Assert.Equal(queued + 1, await DrainUntilNine(receiver));
                Assert.Equal(1, await blocked);
            });
        }
        finally
        {
            LoopbackServer.DeleteIfAny(receiverPath);
        }
    }

    // ---- timeouts, kill, cancellation ----

    [Fact]
    public void Accept_times_out_and_the_listener_still_accepts_afterwards()
    {
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await server.Listener.AcceptAsync(Short));
            Assert.Contains("timeout argument", e.Message, StringComparison.Ordinal);
            using SocketPair pair = await server.ConnectPairAsync();
        });
    }

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void A_receive_from_a_stalled_peer_times_out_and_later_data_still_arrives(SocketTransport transport)
    {
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(transport);
            using SocketPair pair = await server.ConnectPairAsync();
            await pair.Accepted.SendAllAsync(new byte[] { 1, 2, 3 });
            var buffer = new byte[10];
            Assert.Equal(3, await pair.Client.ReceiveAsync(buffer, Short));
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await pair.Client.ReceiveAsync(buffer, Short));
            await pair.Accepted.SendAllAsync(new byte[] { 4 });
            Assert.Equal(1, await pair.Client.ReceiveAsync(buffer, Short));
            Assert.Equal(4, buffer[0]);
        });
    }

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void Sends_to_a_peer_that_does_not_read_time_out(SocketTransport transport)
    {
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(transport);
            using SocketPair pair = await server.ConnectPairAsync();
            long filled = await FillSendBuffer(pair.Client); // ends with a zero timeout that raised once the buffer was full
            Assert.True(filled > 0);
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await pair.Client.SendAsync(new byte[1000], Short));

            // sendall's timeout covers the whole call: 32 MiB cannot fit, whatever the kernel's buffers are.
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await pair.Accepted.SendAllAsync(new byte[32 << 20], TimeSpan.FromMilliseconds(50)));
        });
    }

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void Connect_to_a_listener_whose_backlog_is_full_times_out(SocketTransport transport)
    {
        // A listener that never accepts, with a backlog of 0, holds one connection. Linux then drops a TCP client's SYN
        // (the retry comes after a second), and refuses a Unix-domain connect with EAGAIN: both stay unconnected.
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(transport, backlog: 0);
            using GreenSocket first = server.NewClient();
            await first.ConnectAsync(server.EndPoint, Long);
            using GreenSocket second = server.NewClient();
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAsync<GreenTimeoutException>(async () => await second.ConnectAsync(server.EndPoint, TimeSpan.FromMilliseconds(100)));
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(90), $"timed out after {watch.Elapsed}");
        });
    }

    [Fact]
    public void A_Unix_connect_waits_for_room_in_the_listener_backlog()
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Unix, backlog: 0);
            using GreenSocket first = server.NewClient();
            await first.ConnectAsync(server.EndPoint);
            using GreenSocket second = server.NewClient();
            Greenlet connecting = group.Spawn(async () => await second.ConnectAsync(server.EndPoint, Long));
            await Green.Yield();
            Assert.False(connecting.IsReady);
            using GreenSocket accepted = await server.Listener.AcceptAsync(Long); // makes room
            await connecting;
            Assert.Equal(server.EndPoint.ToString(), second.RemoteEndPoint!.ToString());
        });
    }

    [Fact]
    public void A_GreenTimeout_scope_and_a_kill_interrupt_receive_and_accept()
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            var buffer = new byte[4];
            using (GreenTimeout scope = GreenTimeout.Start(Short))
            {
                var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await pair.Client.ReceiveAsync(buffer));
                Assert.Same(scope, e.Timeout);
            }

            using (GreenTimeout scope = GreenTimeout.Start(Short))
            {
                var e = await Assert.ThrowsAsync<GreenTimeoutException>(async () => await server.Listener.AcceptAsync());
                Assert.Same(scope, e.Timeout);
            }

            Greenlet<int> receiver = Green.Spawn(async () => await pair.Client.ReceiveAsync(buffer));
            Greenlet<GreenSocket> acceptor = Green.Spawn(async () => await server.Listener.AcceptAsync());
            group.Add(receiver);
            group.Add(acceptor);
            await Green.Yield();
            Assert.False(receiver.IsReady || acceptor.IsReady);
            var watch = Stopwatch.StartNew();
            await receiver.KillAsync(timeout: Long);
            await acceptor.KillAsync(timeout: Long);
            Assert.True(receiver.Killed && acceptor.Killed);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the kills took {watch.Elapsed}");

            // Both sockets left their waits cleanly: they still work.
            await pair.Accepted.SendAllAsync(new byte[] { 5 });
            Assert.Equal(1, await pair.Client.ReceiveAsync(buffer, Long));
            using SocketPair another = await server.ConnectPairAsync();
        });
    }

    [Fact]
    public void A_cancellation_token_ends_every_kind_of_wait()
    {
        string unixPath = LoopbackServer.TempSocketPath();
        try
        {
            RunWithGroup(async group =>
            {
                using var server = LoopbackServer.Start(SocketTransport.Tcp4);
                using SocketPair pair = await server.ConnectPairAsync();
                using SocketPair full = await server.ConnectPairAsync();
                await FillSendBuffer(full.Client);
                using var backlogged = LoopbackServer.Start(SocketTransport.Tcp4, backlog: 0);
                using GreenSocket queued = backlogged.NewClient();
                await queued.ConnectAsync(backlogged.EndPoint);
                using GreenSocket connecting = backlogged.NewClient();
                using GreenSocket udp = LoopbackServer.NewSocket(SocketTransport.Tcp4, SocketType.Dgram);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                using GreenSocket datagramReceiver = LoopbackServer.NewSocket(SocketTransport.Unix, SocketType.Dgram);
                datagramReceiver.Bind(new UnixDomainSocketEndPoint(unixPath));
                using GreenSocket datagramSender = LoopbackServer.NewSocket(SocketTransport.Unix, SocketType.Dgram);
                await datagramSender.ConnectAsync(new UnixDomainSocketEndPoint(unixPath));
                await FillDatagrams(datagramSender, new UnixDomainSocketEndPoint(unixPath));

                var waits = new Dictionary<string, Func<CancellationToken, Task>>
                {
                    ["accept"] = async ct => await server.Listener.AcceptAsync(null, ct),
                    ["receive"] = async ct => await pair.Client.ReceiveAsync(new byte[1], null, ct),
                    ["send"] = async ct => await full.Client.SendAsync(new byte[1], null, ct),
                    ["sendall"] = async ct => await full.Client.SendAllAsync(new byte[1], null, ct),
                    ["connect"] = async ct => await connecting.ConnectAsync(backlogged.EndPoint, null, ct),
                    ["receivefrom"] = async ct => await udp.ReceiveFromAsync(new byte[1], null, ct),
                    ["sendto"] = async ct => await datagramSender.SendToAsync(new byte[1], new UnixDomainSocketEndPoint(unixPath), null, ct),
                };
                foreach ((string name, Func<CancellationToken, Task> wait) in waits)
                {
                    using var cts = new CancellationTokenSource();
                    Greenlet waiter = group.Spawn(() => wait(cts.Token));
                    await Green.Yield();
                    Assert.False(waiter.IsReady, name + " did not wait");
                    cts.Cancel();
                    await waiter.JoinAsync(Long);
                    Assert.True(waiter.IsCanceled, name + " was not cancelled");

                    // A token cancelled before the call ends it at once.
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait(cts.Token));
                }
            });
        }
        finally
        {
            LoopbackServer.DeleteIfAny(unixPath);
        }
    }

    [Fact]
    public void InfiniteTimeSpan_is_no_timeout_and_a_negative_timeout_is_refused()
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            Greenlet<int> receiver = Green.Spawn(async () => await pair.Client.ReceiveAsync(new byte[1], Timeout.InfiniteTimeSpan));
            Greenlet<GreenSocket> acceptor = Green.Spawn(async () => await server.Listener.AcceptAsync(Timeout.InfiniteTimeSpan));
            group.Add(receiver);
            group.Add(acceptor);
            await Green.Sleep(TimeSpan.Zero); // a whole loop turn, its timeout pass included: an infinite deadline taken for "expired" would fire there
            Assert.False(receiver.IsReady || acceptor.IsReady);
            await pair.Accepted.SendAllAsync(new byte[] { 1 });
            using GreenSocket client = server.NewClient();
            await client.ConnectAsync(server.EndPoint, Timeout.InfiniteTimeSpan);
            Assert.Equal(1, await receiver);
            using GreenSocket accepted = (await acceptor)!;

            TimeSpan bad = TimeSpan.FromMilliseconds(-2);
            var buffer = new byte[1];
            Assert.Throws<ArgumentOutOfRangeException>(() => pair.Client.ReceiveAsync(buffer, bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => pair.Client.SendAsync(buffer, bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => pair.Client.SendAllAsync(buffer, bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => pair.Client.ReceiveFromAsync(buffer, bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => pair.Client.SendToAsync(buffer, server.EndPoint, bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => server.Listener.AcceptAsync(bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => client.ConnectAsync(server.EndPoint, bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => client.ConnectAsync("localhost", 1, bad));
            Assert.Throws<ArgumentOutOfRangeException>(() => GreenSocket.ConnectTcpAsync("localhost", 1, bad));
        });
    }

    // ---- peers that reset, half-close ----

    [Theory]
    [MemberData(nameof(IPTransports))]
    public void A_peer_reset_raises_ConnectionReset_on_receive_and_on_send(SocketTransport transport)
    {
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(transport);
            using (SocketPair pair = await server.ConnectPairAsync())
            {
                Greenlet<int> receiver = Green.Spawn(async () => await pair.Client.ReceiveAsync(new byte[10]));
                await Green.Yield(); // parked when the reset comes
                Reset(pair.Accepted);
                var e = await Assert.ThrowsAsync<SocketException>(async () => await receiver);
                Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            }

            using (SocketPair pair = await server.ConnectPairAsync())
            {
                Reset(pair.Accepted); // on loopback the reset has arrived when close returns
                var e = await Assert.ThrowsAsync<SocketException>(async () => await pair.Client.SendAllAsync(new byte[10]));
                Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            }

            using (SocketPair pair = await server.ConnectPairAsync())
            {
                using Stream stream = pair.Client.GetStream();
                Reset(pair.Accepted);
                var e = await Assert.ThrowsAsync<IOException>(async () => await stream.ReadAsync(new byte[10]));
                Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
            }
        });

        static void Reset(GreenSocket socket)
        {
            socket.Socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void After_a_half_close_the_peer_reads_end_of_stream_and_can_still_answer(SocketTransport transport)
    {
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(transport);
            using SocketPair pair = await server.ConnectPairAsync();
            await pair.Client.SendAllAsync("question"u8.ToArray());
            pair.Client.Shutdown(SocketShutdown.Send);
            Assert.Equal("question", Encoding.ASCII.GetString(await ReceiveToEnd(pair.Accepted)));
            await pair.Accepted.SendAllAsync("answer"u8.ToArray());
            pair.Accepted.Dispose();
            Assert.Equal("answer", Encoding.ASCII.GetString(await ReceiveToEnd(pair.Client)));
            Assert.Equal(0, await pair.Client.ReceiveAsync(new byte[1])); // end of stream stays end of stream
        });
    }

    // ---- disposal ----

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void Dispose_wakes_a_greenlet_waiting_to_receive_and_the_peer_sees_a_normal_close(SocketTransport transport)
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(transport);
            using SocketPair pair = await server.ConnectPairAsync();
            Greenlet<int> receiver = Green.Spawn(async () => await pair.Accepted.ReceiveAsync(new byte[1]));
            group.Add(receiver);
            await Green.Yield();
            pair.Accepted.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await receiver);
            Assert.Equal(0, await pair.Client.ReceiveAsync(new byte[1], Long)); // FIN, not the reset .NET unblocks with
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pair.Accepted.ReceiveAsync(new byte[1]));
            Assert.Throws<ObjectDisposedException>(() => pair.Accepted.RemoteEndPoint);
        });
    }

    [Fact]
    public void Dispose_wakes_a_greenlet_waiting_to_accept_connect_or_receive_a_datagram()
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using var backlogged = LoopbackServer.Start(SocketTransport.Tcp4, backlog: 0);
            using GreenSocket queued = backlogged.NewClient();
            await queued.ConnectAsync(backlogged.EndPoint);
            using GreenSocket connecting = backlogged.NewClient();
            using GreenSocket udp = LoopbackServer.NewSocket(SocketTransport.Tcp4, SocketType.Dgram);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));

            var waits = new (GreenSocket Socket, Func<Task> Wait)[]
            {
                (server.Listener, async () => await server.Listener.AcceptAsync()),
                (connecting, async () => await connecting.ConnectAsync(backlogged.EndPoint)),
                (udp, async () => await udp.ReceiveFromAsync(new byte[1])),
            };
            foreach ((GreenSocket socket, Func<Task> wait) in waits)
            {
                Greenlet waiter = group.Spawn(wait);
                await Green.Yield();
                Assert.False(waiter.IsReady);
                socket.Dispose();
                await waiter.JoinAsync(Long);
                Assert.IsType<ObjectDisposedException>(waiter.Exception);
            }
        });

        Assert.Equal(3, Reported.Count); // the waiters' errors, reported as greenlet failures
    }

    [Fact]
    public void Dispose_from_another_thread_wakes_the_waiter_on_the_hub()
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            Greenlet<int> receiver = Green.Spawn(async () => await pair.Accepted.ReceiveAsync(new byte[1]));
            group.Add(receiver);
            await Green.Yield();
            await Green.RunBlocking(pair.Accepted.Dispose);
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await receiver);
            Assert.Equal(0, await pair.Client.ReceiveAsync(new byte[1], Long));
        });
    }

    [Fact]
    public void A_socket_left_undisposed_after_a_wait_is_not_finalized_under_the_hub()
    {
        // Finalized, its Socket would close the descriptor while the hub still has a record of it; the number, reused by
        // a later socket, would then miss its close. The hub keeps it open instead, as it keeps a SafeFdHandle.
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            WeakReference<Socket> abandoned = await ConnectAndAbandon(server);
            await Green.Yield(); // the hub's own bookkeeping of that wait is done
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.True(abandoned.TryGetTarget(out Socket? socket));
            socket!.Dispose(); // the test's own cleanup (a user would dispose the GreenSocket)
        });

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static async Task<WeakReference<Socket>> ConnectAndAbandon(LoopbackServer server)
        {
            GreenSocket client = server.NewClient();
            await client.ConnectAsync(server.EndPoint, Long); // waits for writability: the hub now holds the descriptor
            return new WeakReference<Socket>(client.Socket);
        }
    }

    // ---- misuse ----

    [Fact]
    public void Two_greenlets_receiving_at_once_is_an_error_but_a_reader_and_a_writer_are_not()
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            Greenlet<int> first = Green.Spawn(async () => await pair.Client.ReceiveAsync(new byte[1]), "first");
            group.Add(first);
            await Green.Yield();
            var e = await Assert.ThrowsAsync<ConcurrentObjectUseException>(async () => await pair.Client.ReceiveAsync(new byte[1]));
            Assert.Contains("'first'", e.Message, StringComparison.Ordinal);

            await FillSendBuffer(pair.Client);
            Greenlet<int> writer = Green.Spawn(async () => await pair.Client.SendAsync(new byte[1]));
            group.Add(writer);
            await Green.Yield();
            Assert.False(writer.IsReady); // waiting to write while 'first' waits to read
            await pair.Accepted.SendAllAsync(new byte[] { 7 });
            Assert.Equal(1, await first);
            _ = group.Spawn(() => ReceiveToEnd(pair.Accepted)); // drains: the writer gets room
            Assert.Equal(1, await writer);
        });
    }

    [Fact]
    public void Bad_arguments_and_calls_off_the_hub_are_refused()
    {
        RunWithGroup(async _ =>
        {
            Assert.Throws<ArgumentNullException>(() => new GreenSocket(null!));
            var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            closed.Dispose();
            Assert.Throws<ObjectDisposedException>(() => new GreenSocket(closed));

            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            using GreenSocket fresh = server.NewClient();
            Assert.Throws<ArgumentNullException>(() => fresh.ConnectAsync((EndPoint)null!));
            Assert.Throws<ArgumentNullException>(() => fresh.Bind(null!));
            Assert.Throws<ArgumentNullException>(() => pair.Client.SendToAsync(new byte[1], null!));
            Assert.Throws<ArgumentException>(() => fresh.ConnectAsync("", 80));
            Assert.Throws<ArgumentNullException>(() => fresh.ConnectAsync((string)null!, 80));
            Assert.Throws<ArgumentOutOfRangeException>(() => fresh.ConnectAsync("localhost", 65536));
            Assert.Throws<ArgumentOutOfRangeException>(() => GreenSocket.ConnectTcpAsync("localhost", -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => fresh.Listen(-1));

            using GreenSocket udp = LoopbackServer.NewSocket(SocketTransport.Tcp4, SocketType.Dgram);
            Assert.Throws<InvalidOperationException>(() => udp.GetStream());
            Assert.Throws<InvalidOperationException>(() => fresh.GetStream()); // not connected

            // The wrong thread: a thread-pool thread, where a ConfigureAwait(false) would land.
            var offHub = await Green.RunBlocking(() => Record.Exception(() => pair.Client.ReceiveAsync(new byte[1])));
            Assert.IsType<InvalidOperationException>(offHub);

            var refused = server.NewClient();
            using (refused)
            {
                var free = new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)server.EndPoint).Port);
                server.Listener.Dispose(); // nothing listens there now
                var e = await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(free, Long));
                Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
            }

            pair.Client.Dispose();
            Assert.Throws<ObjectDisposedException>(() => pair.Client.ReceiveAsync(new byte[1]));
            Assert.Throws<ObjectDisposedException>(() => pair.Client.SendAllAsync(new byte[1]));
            Assert.Throws<ObjectDisposedException>(() => pair.Client.Shutdown(SocketShutdown.Both));
            pair.Client.Dispose(); // twice is fine
        });
    }

    // ---- names and addresses ----

    [Fact]
    public void Host_names_resolve_off_the_hub_and_each_address_is_tried_in_turn()
    {
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            int port = ((IPEndPoint)server.EndPoint).Port;

            using (GreenSocket byName = LoopbackServer.NewSocket(SocketTransport.Tcp4))
            {
                await byName.ConnectAsync("localhost", port, Long);
                using GreenSocket accepted = await server.Listener.AcceptAsync(Long);
                Assert.Equal(server.EndPoint, byName.RemoteEndPoint);
            }

            using (GreenSocket byDnsEndPoint = LoopbackServer.NewSocket(SocketTransport.Tcp4))
            {
                await byDnsEndPoint.ConnectAsync(new DnsEndPoint("localhost", port), Long);
                using GreenSocket accepted = await server.Listener.AcceptAsync(Long);
            }

            using (GreenSocket made = await GreenSocket.ConnectTcpAsync("127.0.0.1", port, Long))
            {
                using GreenSocket accepted = await server.Listener.AcceptAsync(Long);
                Assert.Equal(accepted.RemoteEndPoint, made.LocalEndPoint);
            }

            // 127.0.0.2 is loopback too, but nothing listens on it: refused, then the same socket connects to the next.
            using (GreenSocket retried = LoopbackServer.NewSocket(SocketTransport.Tcp4))
            {
                await retried.ConnectAsync([IPAddress.Parse("127.0.0.2"), IPAddress.Loopback], port, Long);
                using GreenSocket accepted = await server.Listener.AcceptAsync(Long);
                Assert.Equal(server.EndPoint, retried.RemoteEndPoint);
                await retried.SendAllAsync(new byte[] { 3 });
                Assert.Equal(1, await accepted.ReceiveAsync(new byte[1], Long));
            }

            using (GreenSocket allRefused = LoopbackServer.NewSocket(SocketTransport.Tcp4))
            {
                var e = await Assert.ThrowsAsync<SocketException>(async () => await allRefused.ConnectAsync([IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3")], port, Long));
                Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
            }

            if (LoopbackServer.HasIPv6Loopback)
            {
                using GreenSocket v6 = LoopbackServer.NewSocket(SocketTransport.Tcp6);
                v6.Socket.DualMode = false;
                var e = await Assert.ThrowsAsync<SocketException>(async () => await v6.ConnectAsync("127.0.0.1", port, Long));
                Assert.Equal(SocketError.AddressFamilyNotSupported, e.SocketErrorCode);
            }
        });
    }

    // ---- the stream ----

    [Theory]
    [MemberData(nameof(StreamTransports))]
    public void The_stream_carries_lines_both_ways_and_owns_the_socket_only_when_asked(SocketTransport transport)
    {
        RunWithGroup(async group =>
        {
            using var server = LoopbackServer.Start(transport);
            using SocketPair pair = await server.ConnectPairAsync();
            _ = group.Spawn(async () =>
            {
                using var reader = new StreamReader(pair.Accepted.GetStream());
                await using var writer = new StreamWriter(pair.Accepted.GetStream()) { AutoFlush = true };
                while (await reader.ReadLineAsync() is { } line)
                {
                    await writer.WriteLineAsync(line.ToUpperInvariant());
                }
            });

            Stream stream = pair.Client.GetStream(ownsSocket: false);
            using (var writer = new StreamWriter(stream, leaveOpen: true) { AutoFlush = true })
            using (var reader = new StreamReader(stream, leaveOpen: true))
            {
                await writer.WriteLineAsync("green");
                Assert.Equal("GREEN", await reader.ReadLineAsync());
            }

            Assert.False(stream.CanSeek);
            Assert.Throws<NotSupportedException>(() => stream.Length);
            Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));

            stream.Dispose();
            Assert.NotNull(pair.Client.RemoteEndPoint); // not owned: still open
            pair.Client.GetStream(ownsSocket: true).Dispose();
            Assert.Throws<ObjectDisposedException>(() => pair.Client.RemoteEndPoint);
        });
    }

    [Fact]
    public void The_streams_synchronous_read_blocks_its_thread_until_data_comes()
    {
        RunWithGroup(async _ =>
        {
            using var server = LoopbackServer.Start(SocketTransport.Tcp4);
            using SocketPair pair = await server.ConnectPairAsync();
            using Stream client = pair.Client.GetStream();
            using Stream accepted = pair.Accepted.GetStream();
            client.Write("sync"u8);
            var four = new byte[4];
            accepted.ReadExactly(four); // already there: no wait
            Assert.Equal("sync", Encoding.ASCII.GetString(four));

            // A blocking read on another thread (the hub must not block): it waits in poll(2) until the bytes come.
            Greenlet<int> reader = Green.Spawn(async () => await Green.RunBlocking(() => accepted.Read(four)));
            await Green.Yield();
            await pair.Client.SendAllAsync("more"u8.ToArray());
            Assert.True(await reader > 0);
        });
    }

    // ---- helpers ----

    private static async Task Echo(GreenSocket socket)
    {
        var buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer)) > 0)
        {
            await socket.SendAllAsync(buffer.AsMemory(0, n));
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<byte[]> ReceiveToEnd(GreenSocket socket)
    {
        using var received = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, Long)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return received.ToArray();
    }

    private static async Task ReceiveExactly(GreenSocket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.ReceiveAsync(buffer, Long);
            Assert.True(n > 0, "end of stream before the whole message");
            buffer = buffer.Slice(n);
        }
    }

    /// <summary>Sends until the socket's buffers are full (a send with a zero timeout raises then); returns the bytes sent.</summary>
    private static async Task<long> FillSendBuffer(GreenSocket socket)
    {
        var chunk = new byte[65536];
        long total = 0;
        while (true)
        {
            try
            {
                total += await socket.SendAsync(chunk, TimeSpan.Zero);
            }
            catch (GreenTimeoutException)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Receives the queued datagrams (ones) up to the nine a blocked sender sends once it has room, however much room it
    /// needs (Linux wakes a sender held by its own send buffer only once three quarters of it are free); returns the count.
    /// </summary>
    private static async Task<int> DrainUntilNine(GreenSocket receiver)
    {
        var buffer = new byte[64];
        int n = 0;
        do
        {
            Assert.Equal(1, (await receiver.ReceiveFromAsync(buffer, Long)).Received);
            n++;
        }
        while (buffer[0] != 9);
        return n;
    }

    /// <summary>Sends one-byte datagrams until the Unix-domain receiver's queue is full; returns how many it holds.</summary>
    private static async Task<int> FillDatagrams(GreenSocket sender, EndPoint receiver)
    {
        int n = 0;
        while (true)
        {
            try
            {
                await sender.SendToAsync(new byte[] { 1 }, receiver, TimeSpan.Zero);
                n++;
            }
            catch (GreenTimeoutException)
            {
                return n;
            }
        }
    }
}

public sealed class GreenSocketTests_Epoll : GreenSocketTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class GreenSocketTests_Poll : GreenSocketTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
