using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A socket whose waits park the calling greenlet on its hub (gevent's <c>gevent.socket</c>): TCP, UDP and Unix-domain
/// sockets, over a <see cref="System.Net.Sockets.Socket"/> in non-blocking mode. Connect, accept, receive and send wait
/// cooperatively: the other greenlets run meanwhile, and a <see cref="GreenTimeout"/> scope, a kill, the call's
/// <c>timeout</c> and its <see cref="CancellationToken"/> all interrupt the wait, as they do every GreenProc wait.
/// </summary>
/// <remarks>
/// <para>The <see cref="System.Net.Sockets.Socket"/> brings the platform: address families, endpoints, options (set them
/// through <see cref="Socket"/>) and error codes. GreenProc never calls its <c>*Async</c> methods, which complete on
/// .NET's own I/O thread and know nothing of greenlets: each call tries the non-blocking operation, and while it would
/// block, waits for the descriptor on the hub and tries again. A call that can complete at once returns without
/// yielding, and a receive or send that completes at once allocates nothing.</para>
/// <para>A socket belongs to the hub it was created on (or, created outside any hub, to the first hub that uses it); a
/// call from another thread throws <see cref="InvalidOperationException"/>, and only a greenlet can wait. One greenlet
/// may wait to receive (or accept) while another waits to send; a second greenlet waiting in the same direction raises
/// <see cref="ConcurrentObjectUseException"/>, as in gevent.</para>
/// <para>Errors are the .NET ones: <see cref="SocketException"/> with its <see cref="SocketException.SocketErrorCode"/>
/// (a receive returns 0 when the peer has closed its sending side: end of stream is not an error). Dispose the
/// GreenSocket, never its <see cref="Socket"/> directly: <see cref="Dispose"/> first wakes the greenlets waiting on it
/// with <see cref="ObjectDisposedException"/>. A socket that has waited and is never disposed stays open until its hub
/// ends (the hub holds it, as it holds a <see cref="SafeFdHandle"/> it has waited on).</para>
/// </remarks>
public sealed partial class GreenSocket : IDisposable, IAsyncDisposable
{
    private readonly Socket _socket;

    // What the hub waits on: the socket's descriptor, not owned. Waiting on the Socket's own SafeSocketHandle would make
    // the hub hold a reference to it, and .NET's Socket.Dispose spins until no reference is left (for ever, on the hub
    // thread) while it unblocks the holder by an abortive disconnect (a RST to the peer). A SafeFdHandle also lets the
    // hub keep the descriptor armed in epoll between waits (no epoll_ctl per wait), and its close observer is what wakes
    // the waiters when the socket is disposed.
    private readonly SafeFdHandle _fd;

    // Keeps each socket alive while its descriptor's handle is: a hub that has waited on the descriptor holds the handle
    // until the socket is disposed (or the hub ends), and a Socket finalized meanwhile would close the descriptor behind
    // the hub's back; the number, reused by a later socket, would then find the hub's record of the old one. So an
    // undisposed socket stays open until its hub ends, as an undisposed SafeFdHandle does.
    private static readonly ConditionalWeakTable<SafeFdHandle, Socket> s_socketOfHandle = new();

    // The hub this socket belongs to: the one it was created on, else the first that used it.
    private Hub? _hub = Hub.Current;

    // 1 once Dispose was called (new calls are refused from then on); 1 once the close itself has run.
    private int _disposeRequested;
    private int _closed;

    // The first and the longest pause of BackOffAsync.
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan s_lastRetry = TimeSpan.FromMilliseconds(50);

    // The family template ReceiveFrom needs, made once.
    private EndPoint? _anyEndPoint;

    /// <summary>Creates a socket (<c>new Socket(...)</c>) and sets it non-blocking.</summary>
    /// <param name="addressFamily">The family: <see cref="AddressFamily.InterNetwork"/>, <see cref="AddressFamily.InterNetworkV6"/>, <see cref="AddressFamily.Unix"/>...</param>
    /// <param name="socketType">The type: <see cref="SocketType.Stream"/>, <see cref="SocketType.Dgram"/>...</param>
    /// <param name="protocolType">The protocol: <see cref="ProtocolType.Tcp"/>, <see cref="ProtocolType.Udp"/>, <see cref="ProtocolType.Unspecified"/> for Unix-domain sockets.</param>
    /// <exception cref="SocketException">The system refused the combination, or is out of descriptors.</exception>
    public GreenSocket(AddressFamily addressFamily, SocketType socketType, ProtocolType protocolType)
        : this(new Socket(addressFamily, socketType, protocolType), disposeOnFailure: true)
    {
    }

    /// <summary>
    /// Takes ownership of <paramref name="socket"/> and sets it non-blocking. No .NET asynchronous operation may be in
    /// progress on it, and it must not be used directly afterwards (except to read or set options).
    /// </summary>
    /// <param name="socket">The socket.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="socket"/> is disposed.</exception>
    public GreenSocket(Socket socket)
        : this(socket ?? throw new ArgumentNullException(nameof(socket)), disposeOnFailure: false)
    {
    }

    private GreenSocket(Socket socket, bool disposeOnFailure)
    {
        try
        {
            socket.Blocking = false; // throws ObjectDisposedException for a disposed socket
            _fd = new SafeFdHandle(checked((int)socket.SafeHandle.DangerousGetHandle()), ownsHandle: false);
            s_socketOfHandle.Add(_fd, socket);
        }
        catch
        {
            if (disposeOnFailure)
            {
                socket.Dispose();
            }

            throw;
        }

        _socket = socket;
    }

    /// <summary>
    /// The underlying socket, for options (<see cref="Socket.NoDelay"/>, <see cref="Socket.SetSocketOption(SocketOptionLevel, SocketOptionName, int)"/>...)
    /// and properties. Do not call its I/O methods or dispose it: go through the GreenSocket.
    /// </summary>
    public Socket Socket => _socket;

    /// <summary>The local endpoint (after <see cref="Bind"/>, <see cref="ConnectAsync(EndPoint, TimeSpan?, CancellationToken)"/> or accept); null before.</summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public EndPoint? LocalEndPoint
    {
        get
        {
            ThrowIfDisposed();
            return _socket.LocalEndPoint;
        }
    }

    /// <summary>The peer's endpoint once connected (or accepted); null before.</summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public EndPoint? RemoteEndPoint
    {
        get
        {
            ThrowIfDisposed();
            return _socket.RemoteEndPoint;
        }
    }

    /// <summary>Binds the socket to a local endpoint (<see cref="Socket.Bind"/>); does not wait.</summary>
    /// <param name="localEndPoint">The address and port, or the Unix-domain path.</param>
    /// <exception cref="ArgumentNullException"><paramref name="localEndPoint"/> is null.</exception>
    /// <exception cref="SocketException">The address is in use or not available.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public void Bind(EndPoint localEndPoint)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ThrowIfDisposed();
        _socket.Bind(localEndPoint);
    }

    /// <summary>Starts listening for connections (<see cref="Socket.Listen(int)"/>); accept them with <see cref="AcceptAsync"/>.</summary>
    /// <param name="backlog">How many connections the kernel may hold before they are accepted (capped by the system's somaxconn).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="backlog"/> is negative.</exception>
    /// <exception cref="SocketException">The socket cannot listen (not bound, or of a type that cannot).</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public void Listen(int backlog = 128)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(backlog);
        ThrowIfDisposed();
        _socket.Listen(backlog);
    }

    /// <summary>
    /// Shuts down sending, receiving or both (<see cref="Socket.Shutdown"/>): after <see cref="SocketShutdown.Send"/>
    /// the peer reads end of stream (0) and can still send back (a half-close). Does not wait and does not close.
    /// </summary>
    /// <param name="how">Which directions.</param>
    /// <exception cref="SocketException">The socket is not connected.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public void Shutdown(SocketShutdown how)
    {
        ThrowIfDisposed();
        _socket.Shutdown(how);
    }

    /// <summary>
    /// A <see cref="Stream"/> over this connected stream socket: <c>ReadAsync</c> is <see cref="ReceiveAsync"/> and
    /// <c>WriteAsync</c> is <see cref="SendAllAsync"/> (socket errors come as <see cref="IOException"/> with the
    /// <see cref="SocketException"/> inside, as from <see cref="NetworkStream"/>); the synchronous <c>Read</c> and
    /// <c>Write</c> block the whole thread until the socket is ready, as <see cref="GreenStream"/>'s do. It cannot seek.
    /// </summary>
    /// <param name="ownsSocket">Whether disposing the stream disposes this socket (<see cref="NetworkStream"/>'s rule).</param>
    /// <returns>The stream.</returns>
    /// <exception cref="InvalidOperationException">The socket is not a connected stream socket.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public Stream GetStream(bool ownsSocket = false)
    {
        ThrowIfDisposed();
        if (_socket.SocketType != SocketType.Stream || !_socket.Connected)
        {
            throw new InvalidOperationException("GetStream needs a connected stream socket (TCP or Unix-domain stream): connect or accept it first.");
        }

        return new GreenSocketStream(this, ownsSocket);
    }

    /// <summary>
    /// Closes the socket. Greenlets waiting on it wake with <see cref="ObjectDisposedException"/>, then the descriptor is
    /// closed normally (a TCP peer sees end of stream, unless <see cref="Socket.LingerState"/> asks for a reset). On the
    /// hub's thread this happens before Dispose returns; from another thread it is handed to the hub, and the descriptor
    /// closes when the hub runs it (at the latest when the hub ends). Calls after Dispose raise
    /// <see cref="ObjectDisposedException"/>. Safe to call more than once.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeRequested, 1) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _hub) is { } hub)
        {
            hub.RunClose(Close);
        }
        else
        {
            Close(); // never used on a hub: no greenlet can be waiting on it
        }
    }

    /// <summary>The same as <see cref="Dispose"/> (closing a socket does not wait).</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString()
        => $"GreenSocket({_socket.AddressFamily}, {_socket.SocketType}{(_disposeRequested != 0 ? ", disposed" : string.Empty)})";

    /// <summary>Runs once, on the hub thread while the hub runs.</summary>
    private void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        // The hub hears of this through the handle's close observer: it wakes the waiters with ObjectDisposedException
        // and removes the descriptor from its reactor while the descriptor is still open. Nothing is closed here (the
        // handle does not own the descriptor)...
        _fd.Dispose();

        // ...so the Socket, which nobody holds a reference to, now closes it at once and normally (FIN, not RST).
        _socket.Dispose();
    }

    /// <summary>The checks at the start of every call that may wait: not disposed, and on this socket's hub.</summary>
    private void Enter()
    {
        ThrowIfDisposed();
        Hub.Bind(ref _hub, this); // before the first attempt, which would otherwise succeed off the hub unnoticed
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposeRequested) != 0, this);

    /// <summary>
    /// "Not now, wait and retry". On Linux, .NET reports EAGAIN/EWOULDBLOCK (and EINPROGRESS from connect) as
    /// <see cref="SocketError.WouldBlock"/>; <see cref="SocketError.IOPending"/> is the Windows form of the same answer.
    /// (<see cref="SocketError.TryAgain"/> is the resolver's EAI_AGAIN, never a socket call's.)
    /// </summary>
    private static bool IsWouldBlock(SocketError error) => error is SocketError.WouldBlock or SocketError.IOPending;

    private ValueTask WaitReadable(in Deadline deadline, CancellationToken cancellationToken)
        => Green.WaitReadAsync(_fd, deadline.Remaining, cancellationToken);

    private ValueTask WaitWritable(in Deadline deadline, CancellationToken cancellationToken)
        => Green.WaitWriteAsync(_fd, deadline.Remaining, cancellationToken);

    /// <summary>
    /// For the calls Linux gives no readiness event for: a Unix-domain connect while the listener's backlog is full, and a
    /// datagram to a Unix-domain receiver whose queue is full from a socket not connected to it (poll(2) calls that
    /// socket writable whatever the receiver holds). Sleeps <paramref name="retry"/> (at most what the deadline leaves,
    /// raising the timeout once it has passed) and returns the next, longer retry, up to <see cref="s_lastRetry"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private static async ValueTask<TimeSpan> BackOffAsync(TimeSpan retry, Deadline deadline, CancellationToken cancellationToken)
    {
        if (deadline.HasPassed)
        {
            throw TimedOut(deadline);
        }

        TimeSpan? left = deadline.Remaining;
        await Green.Sleep(left is { } l && l < retry ? l : retry, cancellationToken);
        return retry * 2 < s_lastRetry ? retry * 2 : s_lastRetry;
    }

    /// <summary>The timeout of a call whose deadline passed between its waits (each wait raises its own otherwise).</summary>
    private static GreenTimeoutException TimedOut(in Deadline deadline)
        => new(GreenTimeout.CreateExpired(deadline.Timeout!.Value, Green.Current));
}
