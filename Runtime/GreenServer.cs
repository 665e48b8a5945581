using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A stream server (gevent's <c>StreamServer</c>): accepts connections on a listening <see cref="GreenSocket"/> and
/// runs <c>handler(connection)</c> in a greenlet of its own for each, on the hub that started it. The server
/// disposes each connection when its handler ends.
/// </summary>
/// <remarks>
/// <para>An exception that leaves a handler ends that connection only: it is reported to the hub's
/// <see cref="HubOptions.ErrorHandler"/> (as every greenlet's error is) and the server goes on. An accept that fails
/// (too many open files, a connection aborted before it was accepted) is reported the same way and retried after a
/// pause that doubles from 10 ms up to 1 s while the failures last, so a full descriptor table does not spin the hub.</para>
/// <para><see cref="StopAsync"/> stops accepting at once (the listener is closed; clients still in its backlog are
/// refused), lets the connections in flight finish within a timeout, then kills the rest (each handler's greenlet
/// gets <see cref="GreenletExit"/> at its wait) and returns once all have ended.</para>
/// <para>All members run on the server's hub thread, from a greenlet.</para>
/// </remarks>
public sealed class GreenServer : IAsyncDisposable
{
    private const int MinAcceptPauseMs = 10, MaxAcceptPauseMs = 1000;

    private readonly GreenSocket _listener;
    private readonly Func<GreenSocket, Task> _handler;
    private readonly GreenServerOptions _options;
    private readonly GreenGroup _connections; // a GreenPool when MaxConnections is set
    private Greenlet? _acceptor;
    private Greenlet? _stopping; // the stop, once one was asked for: later callers wait for it
    private State _state;

    private enum State
    {
        Created,
        Serving,
        Stopping,
        Stopped,
    }

    /// <summary>Creates a server that will listen on <paramref name="endPoint"/> (port 0: any free port, see
    /// <see cref="LocalEndPoint"/>) once started.</summary>
    /// <param name="endPoint">An IP end point (TCP) or a <see cref="UnixDomainSocketEndPoint"/>.</param>
    /// <param name="handler">Serves one connection; the server disposes the connection after it.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative backlog or stop timeout, or a maximum below 1.</exception>
    /// <exception cref="SocketException">The address cannot be bound (in use, not allowed).</exception>
    public GreenServer(EndPoint endPoint, Func<GreenSocket, Task> handler, GreenServerOptions? options = null)
        : this(CreateListener(endPoint), handler, options, ownsListener: true)
    {
    }

    /// <summary>Creates a server over <paramref name="listener"/>, a bound socket (listening or not); the server owns
    /// it from now on and closes it when stopped.</summary>
    /// <param name="listener">A bound stream socket.</param>
    /// <param name="handler">Serves one connection; the server disposes the connection after it.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative backlog or stop timeout, or a maximum below 1.</exception>
    public GreenServer(GreenSocket listener, Func<GreenSocket, Task> handler, GreenServerOptions? options = null)
        : this(listener, handler, options, ownsListener: false)
    {
    }

    private GreenServer(GreenSocket listener, Func<GreenSocket, Task> handler, GreenServerOptions? options, bool ownsListener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        try
        {
            ArgumentNullException.ThrowIfNull(handler);
            options ??= new GreenServerOptions();
            ArgumentOutOfRangeException.ThrowIfNegative(options.Backlog, "options.Backlog");
            Hub.ValidateTimeout(options.StopTimeout, "options.StopTimeout");
            if (options.MaxConnections is { } max)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, "options.MaxConnections");
            }

            _connections = options.MaxConnections is { } size ? new GreenPool(size) : new GreenGroup();
        }
        catch when (ownsListener)
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _handler = handler;
        _options = options;
    }

    /// <summary>The address the server listens on (with the port the system chose for port 0).</summary>
    public EndPoint LocalEndPoint => _listener.LocalEndPoint ?? throw new InvalidOperationException("The listener is not bound.");

    /// <summary>The connections being handled now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Whether the server accepts connections (started and not stopping).</summary>
    public bool IsServing => _state == State.Serving;

    /// <summary>Starts listening and accepting in a greenlet of the current hub; returns at once.</summary>
    /// <exception cref="InvalidOperationException">Already started, or not called from a greenlet.</exception>
    /// <exception cref="SocketException">The socket cannot listen.</exception>
    public void Start()
    {
        if (_state != State.Created)
        {
            throw new InvalidOperationException(_state == State.Serving ? "The server is already serving." : "A stopped server cannot start again; create a new one.");
        }

        Hub.RequireCurrent().RequireGreenlet(nameof(Start));
        _listener.Listen(_options.Backlog);
        _state = State.Serving;
        _acceptor = Green.Spawn(AcceptLoop, $"GreenServer {LocalEndPoint}");
    }

    /// <summary>Starts the server if needed and waits until it is stopped (gevent's <c>serve_forever</c>). Cancelling
    /// <paramref name="cancellationToken"/>, or killing the calling greenlet, stops the server gracefully first.</summary>
    /// <param name="cancellationToken">Stops the server.</param>
    /// <returns>A task that ends when the server has stopped.</returns>
    /// <exception cref="InvalidOperationException">The server was stopped before it ever started, or not called from a greenlet.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> stopped the server.</exception>
    public async Task ServeForeverAsync(CancellationToken cancellationToken = default)
    {
        if (_state == State.Created)
        {
            Start();
        }

        Greenlet acceptor = _acceptor ?? throw new InvalidOperationException("This server was stopped before it started; create a new one.");
        try
        {
            await acceptor.JoinAsync(cancellationToken: cancellationToken).ConfigureAwait(true);
        }
        finally
        {
            await StopAsync().ConfigureAwait(true);
        }
    }

    /// <summary>
    /// Stops accepting, lets the connections in flight end within <paramref name="timeout"/> (null:
    /// <see cref="GreenServerOptions.StopTimeout"/>), then kills the rest and waits for them. Called from one of the
    /// server's own handlers, it starts the stop in a greenlet of its own and returns at once (the stop waits for that
    /// handler too, which could not end while waiting for itself).
    /// </summary>
    /// <param name="timeout">How long the connections may finish; null for the options' stop timeout.</param>
    /// <param name="cancellationToken">Cancels the graceful wait: the connections are killed at once.</param>
    /// <returns>A task that ends when no connection is left.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public async Task StopAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Hub.ValidateTimeout(timeout, nameof(timeout));
        if (_stopping is null)
        {
            // From this call on: not serving, and new clients refused (the listener closes now; any still in its backlog
            // are reset). The rest of the stop runs in its own greenlet.
            _state = State.Stopping;
            _listener.Dispose();
            _stopping = Green.Spawn(() => StopCoreAsync(timeout, cancellationToken), "GreenServer stop");
        }

        if (!_connections.Contains(Green.Current))
        {
            await _stopping.GetAsync().ConfigureAwait(true); // a later caller waits for the first stop to finish
        }
    }

    /// <summary>Stops the server with the default stop timeout.</summary>
    /// <returns>A task that ends when the server has stopped.</returns>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    public async ValueTask DisposeAsync()
    {
        if (_state == State.Created)
        {
            _state = State.Stopped;
            _listener.Dispose();
            return;
        }

        await StopAsync().ConfigureAwait(true);
    }

    private async Task StopCoreAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        try
        {
            // The acceptor woke from AcceptAsync with the listener's close, or, at MaxConnections, waits for a free slot:
            // a GreenProc wait, so the kill lands at once.
            if (_acceptor is { } acceptor)
            {
                await acceptor.KillAsync().ConfigureAwait(true);
            }

            bool finished = false;
            try
            {
                finished = await _connections.JoinAsync(timeout ?? _options.StopTimeout, cancellationToken: cancellationToken).ConfigureAwait(true);
            }
            catch (OperationCanceledException)
            {
                // The graceful part was cut short: kill what is left.
            }

            if (!finished)
            {
                await _connections.KillAsync().ConfigureAwait(true);
            }
        }
        finally
        {
            _state = State.Stopped;
        }
    }

    private static GreenSocket CreateListener(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new GreenSocket(
            endPoint.AddressFamily,
            SocketType.Stream,
            endPoint.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily != AddressFamily.Unix)
            {
                AllowQuickRebind(socket.Socket);
            }

            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SO_REUSEADDR alone, as gevent and every Unix server set it: a restarted server may bind its port while the old
    /// one's connections sit in TIME_WAIT. Not .NET's <see cref="SocketOptionName.ReuseAddress"/>, which on Unix also
    /// sets SO_REUSEPORT and would let a second server bind a port that a listening one holds (measured: the bind
    /// succeeded). Windows needs nothing (its SO_REUSEADDR would let another process steal the port).
    /// </summary>
    private static void AllowQuickRebind(Socket socket)
    {
        const int On = 1;
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(On));
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            socket.SetRawSocketOption(0xffff /* SOL_SOCKET */, 4 /* SO_REUSEADDR */, BitConverter.GetBytes(On));
        }
    }

    private async Task AcceptLoop()
    {
        int pauseMs = 0;
        while (_state == State.Serving)
        {
            GreenSocket connection;
            try
            {
                if (_connections is GreenPool pool)
                {
                    await pool.WaitAvailable().ConfigureAwait(true); // at the limit: leave clients in the backlog
                }

                connection = await _listener.AcceptAsync().ConfigureAwait(true);
                pauseMs = 0;
            }
            catch (ObjectDisposedException) when (_state != State.Serving)
            {
                return; // StopAsync closed the listener
            }
            catch (SocketException e) when (_state == State.Serving)
            {
                // EMFILE, ENFILE, ECONNABORTED...: the server lives on; pause so a full fd table does not spin the hub.
                Greenlet acceptor = Green.Current;
                acceptor.Hub.ReportError(acceptor, e);
                pauseMs = pauseMs == 0 ? MinAcceptPauseMs : Math.Min(pauseMs * 2, MaxAcceptPauseMs);
                await Green.Sleep(TimeSpan.FromMilliseconds(pauseMs)).ConfigureAwait(true);
                continue;
            }

            _ = _connections.Spawn(() => Serve(connection));
        }
    }

    private async Task Serve(GreenSocket connection)
    {
        await using (connection.ConfigureAwait(true))
        {
            await _handler(connection).ConfigureAwait(true);
        }
    }
}
