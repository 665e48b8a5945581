using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// One end of a duplex gipc pipe (two OS pipes, one per direction): it both puts and gets messages. Gets follow the
/// <see cref="GipcReader{T}"/> rules, puts the <see cref="GipcWriter{T}"/> rules; a get and a put may run at once.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
[DebuggerDisplay("GipcDuplex<{typeof(T).Name,nq}> closed = {IsClosed}")]
public sealed class GipcDuplex<T> : IDisposable, IAsyncDisposable, ITransferableHandle
{
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private bool _transferred;

    internal GipcDuplex(SafeFdHandle readFd, SafeFdHandle writeFd, IGipcCodec<T> codec, GipcOptions options)
    {
        _reader = new FrameReader(readFd, options);
        _writer = new FrameWriter(writeFd, options);
        Codec = codec;
    }

    /// <summary>The codec of both directions.</summary>
    public IGipcCodec<T> Codec { get; }

    /// <summary>Whether the handle is closed.</summary>
    public bool IsClosed => _writer.IsClosed || _reader.IsClosed;

    SafeFdHandle IGipcHandle.Handle => _reader.Handle;

    SafeFdHandle? ITransferableHandle.SecondHandle => _writer.Handle;

    HandleKind ITransferableHandle.Kind => HandleKind.Duplex;

    Type ITransferableHandle.CodecType => Codec.GetType();

    GipcOptions ITransferableHandle.Options => _writer.Options;

    /// <inheritdoc cref="GipcReader{T}.GetAsync"/>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        if (_writer.IsClosed)
        {
            throw new GipcClosedException("This gipc duplex end is closed.");
        }

        return _reader.GetAsync(Codec, timeout, cancellationToken);
    }

    /// <inheritdoc cref="GipcReader{T}.GetStreamAsync"/>
    public ValueTask<GipcMessageStream> GetStreamAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        if (_writer.IsClosed)
        {
            throw new GipcClosedException("This gipc duplex end is closed.");
        }

        return _reader.GetStreamAsync(timeout, cancellationToken);
    }

    /// <inheritdoc cref="GipcWriter{T}.PutAsync"/>
    public ValueTask PutAsync(T value, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        return _writer.PutAsync(Codec, value, timeout, cancellationToken);
    }

    /// <inheritdoc cref="GipcWriter{T}.FlushAsync"/>
    public ValueTask FlushAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        return _writer.FlushAsync(timeout, cancellationToken);
    }

    /// <inheritdoc cref="GipcReader{T}.ReadAllAsync"/>
    public IAsyncEnumerable<T> ReadAllAsync(CancellationToken cancellationToken = default)
        => MessageStream.ReadAll(ct => GetAsync(cancellationToken: ct), cancellationToken);

    /// <summary>Closes this end (after writing the messages already accepted); the peer's gets end with
    /// <see cref="EndOfStreamException"/>.</summary>
    public void Dispose()
    {
        _reader.Close();
        _writer.Close();
    }

    /// <summary>Writes every accepted message, then closes this end (see <see cref="GipcWriter{T}.DisposeAsync"/>).</summary>
    /// <returns>A task that completes when the end is closed.</returns>
    /// <exception cref="GipcUndeliveredException">The reading end closed before every accepted message was written,
    /// and no earlier put or flush had raised that.</exception>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    public async ValueTask DisposeAsync()
    {
        _reader.Close();
        await _writer.CloseAsync();
    }

    void ITransferableHandle.EnsureTransferable()
    {
        ThrowIfTransferred();
        _writer.EnsureTransferable("duplex end");
        if (_reader.IsClosed)
        {
            throw new GipcClosedException("This gipc duplex end is closed (after a protocol error): it cannot be passed to a child.");
        }
    }

    void ITransferableHandle.CompleteTransfer()
    {
        _transferred = true;
        _reader.Close();
        _writer.Abort();
    }

    private void ThrowIfTransferred()
    {
        if (_transferred)
        {
            throw new GipcClosedException("This gipc duplex end was passed to a child process with Gipc.StartProcess: this process's copy is closed.");
        }
    }
}
