using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Internal;

/// <summary>
/// The <see cref="Stream"/> of <see cref="GreenSocket.GetStream"/>: <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>
/// is <see cref="GreenSocket.ReceiveAsync"/> and <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> is
/// <see cref="GreenSocket.SendAllAsync"/>, so they park the calling greenlet on the socket's hub and resume it there.
/// Socket errors come out as <see cref="IOException"/> with the <see cref="SocketException"/> as inner exception, which
/// is what stream code (and <see cref="NetworkStream"/>) expects. The synchronous Read and Write block the whole thread
/// until the socket is ready, as <see cref="GreenStream"/>'s do.
/// </summary>
internal sealed class GreenSocketStream : Stream
{
    private readonly GreenSocket _socket;
    private readonly bool _ownsSocket;
    private bool _disposed;

    public GreenSocketStream(GreenSocket socket, bool ownsSocket)
    {
        _socket = socket;
        _ownsSocket = ownsSocket;
    }

    public override bool CanRead => !_disposed;

    public override bool CanWrite => !_disposed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException("A socket stream has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A socket stream has no position.");
        set => throw new NotSupportedException("A socket stream has no position.");
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValueTask<int> receive;
        try
        {
            receive = _socket.ReceiveAsync(buffer, null, cancellationToken);
        }
        catch (SocketException e)
        {
            throw AsIOException(e);
        }

        return receive.IsCompletedSuccessfully ? receive : ReadSlowAsync(receive);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValueTask send;
        try
        {
            send = _socket.SendAllAsync(buffer, null, cancellationToken);
        }
        catch (SocketException e)
        {
            throw AsIOException(e);
        }

        return send.IsCompletedSuccessfully ? send : WriteSlowAsync(send);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Socket socket = _socket.Socket;
        while (true)
        {
            int n = socket.Receive(buffer, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                return n;
            }

            WaitBlocking(socket, error, SelectMode.SelectRead);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Socket socket = _socket.Socket;
        while (!buffer.IsEmpty)
        {
            int n = socket.Send(buffer, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                buffer = buffer.Slice(n);
            }
            else
            {
                WaitBlocking(socket, error, SelectMode.SelectWrite);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
        // Writes go straight to the socket: nothing is buffered here.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A socket stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A socket stream has no length.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_ownsSocket)
            {
                _socket.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Blocks the thread until the socket is ready in <paramref name="mode"/>'s direction, or raises the error.</summary>
    private static void WaitBlocking(Socket socket, SocketError error, SelectMode mode)
    {
        if (error is not (SocketError.WouldBlock or SocketError.IOPending))
        {
            throw AsIOException(new SocketException((int)error));
        }

        socket.Poll(-1, mode);
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    private static async ValueTask<int> ReadSlowAsync(ValueTask<int> receive)
    {
        try
        {
            return await receive;
        }
        catch (SocketException e)
        {
            throw AsIOException(e);
        }
    }

    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder))]
    private static async ValueTask WriteSlowAsync(ValueTask send)
    {
        try
        {
            await send;
        }
        catch (SocketException e)
        {
            throw AsIOException(e);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IOException AsIOException(SocketException e)
        => new($"Unable to transfer data on the socket: {e.Message}", e);
}
