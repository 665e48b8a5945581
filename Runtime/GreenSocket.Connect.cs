using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

// Connecting: to an endpoint, to a host name (resolved off the hub), and the static TCP convenience.
public sealed partial class GreenSocket
{
    /// <summary>Connects to <paramref name="remoteEndPoint"/>, waiting for the connection to be established.</summary>
    /// <param name="remoteEndPoint">An <see cref="IPEndPoint"/>, a <see cref="UnixDomainSocketEndPoint"/>, or a <see cref="DnsEndPoint"/> (resolved as <see cref="ConnectAsync(string, int, TimeSpan?, CancellationToken)"/> does).</param>
    /// <param name="timeout">Covers the whole connect; raises <see cref="GreenTimeoutException"/> when it passes; null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever. A socket whose connect timed out, was cancelled or killed is left half-connected: dispose it.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task to await.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="SocketException">The connection was refused (<see cref="SocketError.ConnectionRefused"/>), the network or host is unreachable, the name did not resolve, or another socket error.</exception>
    /// <exception cref="ObjectDisposedException">The socket is (or gets) disposed.</exception>
    /// <exception cref="InvalidOperationException">Called off this socket's hub, or outside a greenlet when it has to wait.</exception>
    public ValueTask ConnectAsync(EndPoint remoteEndPoint, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        Deadline deadline = Deadline.Start(timeout);
        Enter();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return remoteEndPoint is DnsEndPoint dns
            ? ConnectHostAsync(dns.Host, dns.Port, deadline, cancellationToken)
            : ConnectCoreAsync(remoteEndPoint, deadline, cancellationToken);
    }

    /// <summary>
    /// Resolves <paramref name="host"/> off the hub (<see cref="Green.RunBlocking{T}"/>, so other greenlets run) and
    /// connects to its addresses of this socket's family in the order the resolver gave them, until one accepts.
    /// </summary>
    /// <param name="host">A host name or an IP address literal (used as is, without the resolver).</param>
    /// <param name="port">The port.</param>
    /// <param name="timeout">Covers the resolution and every attempt; raises <see cref="GreenTimeoutException"/> when it passes; null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever. The resolver itself cannot be stopped: it finishes on its thread and its answer is dropped.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task to await.</returns>
    /// <exception cref="ArgumentException"><paramref name="host"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a port number, or <paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="SocketException">The name did not resolve (<see cref="SocketError.HostNotFound"/>), it has no address of this socket's family (<see cref="SocketError.AddressFamilyNotSupported"/>), or the last attempt's error.</exception>
    /// <exception cref="ObjectDisposedException">The socket is (or gets) disposed.</exception>
    /// <exception cref="InvalidOperationException">Called off this socket's hub, or outside a greenlet when it has to wait.</exception>
    public ValueTask ConnectAsync(string host, int port, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        CheckPort(port);
        Deadline deadline = Deadline.Start(timeout);
        Enter();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return ConnectHostAsync(host, port, deadline, cancellationToken);
    }

    /// <summary>
    /// Resolves <paramref name="host"/> off the hub and connects a new TCP socket to each of its addresses in turn (a
    /// fresh socket per attempt, as Python's <c>create_connection</c>), returning the first that connects.
    /// </summary>
    /// <param name="host">A host name or an IP address literal.</param>
    /// <param name="port">The port.</param>
    /// <param name="timeout">Covers the resolution and every attempt; raises <see cref="GreenTimeoutException"/> when it passes; null or <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The connected socket, which the caller disposes.</returns>
    /// <exception cref="ArgumentException"><paramref name="host"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a port number, or <paramref name="timeout"/> is negative and not infinite.</exception>
    /// <exception cref="SocketException">The name did not resolve, or the last attempt's error (<see cref="SocketError.ConnectionRefused"/>...).</exception>
    /// <exception cref="InvalidOperationException">Not called from a greenlet.</exception>
    public static ValueTask<GreenSocket> ConnectTcpAsync(string host, int port, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        CheckPort(port);
        Deadline deadline = Deadline.Start(timeout);
        Hub.RequireCurrent().RequireGreenlet(nameof(ConnectTcpAsync));
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<GreenSocket>(cancellationToken);
        }

        return ConnectTcpCoreAsync(host, port, deadline, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private static async ValueTask<GreenSocket> ConnectTcpCoreAsync(string host, int port, Deadline deadline, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = await ResolveAsync(host, deadline, cancellationToken);
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            var socket = new GreenSocket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectCoreAsync(new IPEndPoint(address, port), deadline, cancellationToken);
                return socket;
            }
            catch (SocketException e)
            {
                last = e;
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? NoAddress(host, null);
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private async ValueTask ConnectHostAsync(string host, int port, Deadline deadline, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = await ResolveAsync(host, deadline, cancellationToken);
        await ConnectAnyAsync(addresses, port, deadline, cancellationToken, host);
    }

    /// <summary>Connects to the first of <paramref name="addresses"/> (of this socket's family) that accepts (tests call it directly).</summary>
    internal ValueTask ConnectAsync(IPAddress[] addresses, int port, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Deadline deadline = Deadline.Start(timeout);
        Enter();
        return ConnectAnyAsync(addresses, port, deadline, cancellationToken, string.Join(", ", (object[])addresses));
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private async ValueTask ConnectAnyAsync(IPAddress[] addresses, int port, Deadline deadline, CancellationToken cancellationToken, string host)
    {
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            if (address.AddressFamily != _socket.AddressFamily
                && !(address.AddressFamily == AddressFamily.InterNetwork && _socket.AddressFamily == AddressFamily.InterNetworkV6 && _socket.DualMode))
            {
                continue;
            }

            // Linux lets a TCP socket whose connect failed connect again only once its association is dissolved; on
            // Windows a socket whose connect failed is spent (Winsock leaves its state undefined): the first failure stands.
            if (last is not null && (OperatingSystem.IsWindows() || Interop.DissolveConnection(_fd) != 0))
            {
                break;
            }

            try
            {
                await ConnectCoreAsync(new IPEndPoint(address, port), deadline, cancellationToken);
                return;
            }
            catch (SocketException e)
            {
                last = e;
            }
        }

        throw last ?? NoAddress(host, _socket.AddressFamily);
    }

    /// <summary>
    /// One connect. How .NET behaves on Linux (checked on .NET 10): on a non-blocking socket <see cref="Socket.Connect(EndPoint)"/>
    /// throws a <see cref="SocketException"/> whose code is <see cref="SocketError.WouldBlock"/> for both EINPROGRESS (a TCP
    /// connect under way: the socket turns writable when it ends, and SO_ERROR tells how; .NET reports SO_ERROR as a
    /// <see cref="SocketError"/> number) and EAGAIN (a Unix-domain listener whose backlog is full). Until asked, .NET does
    /// not know the connect ended: reading <see cref="Socket.Connected"/> makes it look (a zero-timeout poll for
    /// writability) and record the connection, so that <see cref="Socket.RemoteEndPoint"/> works. A Unix-domain connect
    /// never goes "in progress": it connects at once or fails, and after EAGAIN the socket is not connecting at all (it
    /// polls writable at once, and .NET's <see cref="Socket.Connected"/> would wrongly say true), so it is retried after a
    /// short sleep: nothing signals room in another socket's backlog.
    /// </summary>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private async ValueTask ConnectCoreAsync(EndPoint remoteEndPoint, Deadline deadline, CancellationToken cancellationToken)
    {
        TimeSpan retry = s_firstRetry;
        while (true)
        {
            try
            {
                _socket.Connect(remoteEndPoint);
                return; // at once: a Unix-domain socket, or a handshake the kernel completed within the call
            }
            catch (SocketException e) when (IsWouldBlock(e.SocketErrorCode))
            {
            }

            if (_socket.AddressFamily != AddressFamily.Unix)
            {
                break;
            }

            retry = await BackOffAsync(retry, deadline, cancellationToken);
        }

        while (true)
        {
            await WaitWritable(deadline, cancellationToken);
            int error = (int)_socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != 0)
            {
                throw new SocketException(error);
            }

            if (_socket.Connected)
            {
                return;
            }
        }
    }

    /// <summary>The host's addresses: an IP literal as is, a name through the system resolver on a thread-pool thread.</summary>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private static async ValueTask<IPAddress[]> ResolveAsync(string host, Deadline deadline, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return [literal];
        }

        if (deadline.IsNone)
        {
            return await Green.RunBlocking(() => Dns.GetHostAddresses(host), cancellationToken);
        }

        // RunBlocking takes no timeout: the deadline's rest bounds it as a scope, reported as this call's timeout.
        GreenTimeout scope = GreenTimeout.Start(deadline.Remaining!.Value);
        try
        {
            return await Green.RunBlocking(() => Dns.GetHostAddresses(host), cancellationToken);
        }
        catch (GreenTimeoutException e) when (ReferenceEquals(e.Timeout, scope))
        {
            throw TimedOut(deadline);
        }
        finally
        {
            scope.Dispose();
        }
    }

    private static void CheckPort(int port, [CallerArgumentExpression(nameof(port))] string? paramName = null)
    {
        if (port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
        {
            throw new ArgumentOutOfRangeException(paramName, port, $"A port is between {IPEndPoint.MinPort} and {IPEndPoint.MaxPort}.");
        }
    }

    private static SocketException NoAddress(string host, AddressFamily? family)
        => new(
            (int)System.Net.Sockets.SocketError.AddressFamilyNotSupported,
            family is { } f ? $"'{host}' has no address of this socket's family ({f})." : $"'{host}' has no address.");
}
