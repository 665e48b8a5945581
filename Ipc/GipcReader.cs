using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// The reading end of a gipc pipe: <see cref="GetAsync"/> returns whole messages, in order. Use it from greenlets on
/// one hub; one get at a time (a concurrent second one raises <see cref="GipcLockedException"/>).
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
[DebuggerDisplay("GipcReader<{typeof(T).Name,nq}> closed = {IsClosed}")]
public sealed class GipcReader<T> : IDisposable, ITransferableHandle
{
    private readonly FrameReader _reader;
    private bool _transferred;

    internal GipcReader(SafeFdHandle fd, IGipcCodec<T> codec, GipcOptions options)
    {
        _reader = new FrameReader(fd, options);
        Codec = codec;
    }

    /// <summary>The codec messages are decoded with.</summary>
    public IGipcCodec<T> Codec { get; }

    /// <summary>The framing underneath (the process pool speaks its own messages over it).</summary>
    internal FrameReader Frames => _reader;

    /// <summary>Whether the handle is closed (disposed, passed to a child, or after a protocol error).</summary>
    public bool IsClosed => _reader.IsClosed;

    SafeFdHandle IGipcHandle.Handle => _reader.Handle;

    SafeFdHandle? ITransferableHandle.SecondHandle => null;

    HandleKind ITransferableHandle.Kind => HandleKind.Reader;

    Type ITransferableHandle.CodecType => Codec.GetType();

    GipcOptions ITransferableHandle.Options => _reader.Options;

    /// <summary>Waits for the next message.</summary>
    /// <param name="timeout">How long to wait; null waits as long as it takes. A timeout in the middle of a frame keeps
    /// the bytes that arrived for the next get.</param>
    /// <param name="cancellationToken">Cancels the wait (like the timeout, nothing is lost).</param>
    /// <returns>The message.</returns>
    /// <exception cref="EndOfStreamException">The writer closed its end at a frame boundary: no more messages.</exception>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed.</exception>
    /// <exception cref="GipcClosedException">The handle is closed or was passed to a child.</exception>
    /// <exception cref="GipcLockedException">Another greenlet is already in GetAsync on this handle.</exception>
    /// <exception cref="GipcProtocolException">A corrupt, oversized or truncated frame; the handle is now closed.</exception>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        return _reader.GetAsync(Codec, timeout, cancellationToken);
    }

    /// <summary>
    /// Waits for the next message and returns its payload as a stream that reads it from the pipe piece by piece,
    /// instead of decoding it whole: a 64 MiB message can pass through a 1 MiB buffer, and a JSON message can go
    /// straight into <c>JsonSerializer.DeserializeAsync</c>. The payload is the codec's bytes (for raw messages, the
    /// bytes themselves).
    /// </summary>
    /// <remarks>
    /// Until the stream has been read to its end or disposed, the handle serves no other get
    /// (<see cref="GipcLockedException"/>); disposing it early skips the rest of the message.
    /// </remarks>
    /// <param name="timeout">How long to wait for the message to begin; null waits as long as it takes. Reads of the
    /// stream have their own <see cref="Stream.ReadTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (nothing is lost).</param>
    /// <returns>The message's payload, <see cref="GipcMessageStream.Length"/> bytes.</returns>
    /// <exception cref="EndOfStreamException">The writer closed its end at a frame boundary: no more messages.</exception>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed.</exception>
    /// <exception cref="GipcClosedException">The handle is closed or was passed to a child.</exception>
    /// <exception cref="GipcLockedException">Another get, or an earlier message stream, is still in progress on this handle.</exception>
    /// <exception cref="GipcProtocolException">A corrupt or oversized frame header; the handle is now closed.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="GetAsync"/> that timed out has already begun to receive this message; finish it with <see cref="GetAsync"/>.</exception>
    public ValueTask<GipcMessageStream> GetStreamAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        return _reader.GetStreamAsync(timeout, cancellationToken);
    }

    /// <summary>Every message until the writer closes its end.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The messages, in order.</returns>
    public IAsyncEnumerable<T> ReadAllAsync(CancellationToken cancellationToken = default)
        => MessageStream.ReadAll(ct => GetAsync(cancellationToken: ct), cancellationToken);

    /// <summary>Closes the handle; a greenlet waiting in <see cref="GetAsync"/> gets <see cref="GipcClosedException"/>.</summary>
    public void Dispose() => _reader.Close();

    void ITransferableHandle.EnsureTransferable()
    {
        ThrowIfTransferred();
        if (IsClosed)
        {
            throw new GipcClosedException("This gipc reader is closed: it cannot be passed to a child.");
        }
    }

    void ITransferableHandle.CompleteTransfer()
    {
        _transferred = true;
        _reader.Close();
    }

    private void ThrowIfTransferred()
    {
        if (_transferred)
        {
            throw new GipcClosedException("This gipc reader was passed to a child process with Gipc.StartProcess: the child reads from it now, and this process's copy is closed.");
        }
    }
}
