using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>The loopback transports the socket tests run over.</summary>
public enum SocketTransport
{
    Tcp4,
    Tcp6,
    Unix,
}

/// <summary>A connected pair: the client's socket and the one the listener accepted. Disposes both.</summary>
internal sealed class SocketPair : IDisposable
{
    public SocketPair(GreenSocket client, GreenSocket accepted)
    {
        Client = client;
        Accepted = accepted;
    }

    public GreenSocket Client { get; }

    public GreenSocket Accepted { get; }

    public void Dispose()
    {
        Client.Dispose();
        Accepted.Dispose();
    }
}

/// <summary>
/// A listening <see cref="GreenSocket"/> on loopback: 127.0.0.1 or ::1 on a free port, or a Unix-domain socket under
/// the temporary directory (its file deleted on dispose). Create it on the hub that uses it.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly string? _path;

    private LoopbackServer(SocketTransport transport, GreenSocket listener, string? path)
    {
        Transport = transport;
        Listener = listener;
        EndPoint = listener.LocalEndPoint!;
        _path = path;
    }

    /// <summary>Whether this machine has an IPv6 loopback (a container may not).</summary>
    public static bool HasIPv6Loopback { get; } = ProbeIPv6();

    public SocketTransport Transport { get; }

    public GreenSocket Listener { get; }

    public EndPoint EndPoint { get; }

    public static LoopbackServer Start(SocketTransport transport, int backlog = 1024)
    {
        GreenSocket listener = NewSocket(transport);
        string? path = null;
        try
        {
            listener.Bind(transport switch
            {
                SocketTransport.Tcp4 => new IPEndPoint(IPAddress.Loopback, 0),
                SocketTransport.Tcp6 => new IPEndPoint(IPAddress.IPv6Loopback, 0),
                _ => new UnixDomainSocketEndPoint(path = TempSocketPath()),
            });
            listener.Listen(backlog);
            return new LoopbackServer(transport, listener, path);
        }
        catch
        {
            listener.Dispose();
            DeleteIfAny(path);
            throw;
        }
    }

    public static GreenSocket NewSocket(SocketTransport transport, SocketType type = SocketType.Stream) => transport switch
    {
        SocketTransport.Tcp4 => new GreenSocket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp),
        SocketTransport.Tcp6 => new GreenSocket(AddressFamily.InterNetworkV6, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp),
        _ => new GreenSocket(AddressFamily.Unix, type, ProtocolType.Unspecified),
    };

    /// <summary>A path for a Unix-domain socket (short enough for sun_path) that nothing uses yet.</summary>
    public static string TempSocketPath() => Path.Combine(Path.GetTempPath(), $"gp-{Guid.NewGuid():N}.sock");

    public static void DeleteIfAny(string? path)
    {
        if (path is not null)
        {
            File.Delete(path);
        }
    }

    public GreenSocket NewClient() => NewSocket(Transport);

    /// <summary>Connects a new client and accepts it.</summary>
    public async Task<SocketPair> ConnectPairAsync()
    {
        GreenSocket client = NewClient();
        try
        {
            await client.ConnectAsync(EndPoint, TimeSpan.FromSeconds(10));
            return new SocketPair(client, await Listener.AcceptAsync(TimeSpan.FromSeconds(10)));
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Listener.Dispose();
        DeleteIfAny(_path);
    }

    private static bool ProbeIPv6()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
