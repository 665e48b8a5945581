using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// The writing end of a gipc pipe. <see cref="PutAsync"/> accepts whole messages; the messages put during one hub turn
/// leave in one writev. Several greenlets may put at once: each message is appended whole, in the order of the puts.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
[DebuggerDisplay("GipcWriter<{typeof(T).Name,nq}> closed = {IsClosed}")]
public sealed class GipcWriter<T> : IDisposable, IAsyncDisposable, ITransferableHandle
{
    private readonly FrameWriter _writer;
    private bool _transferred;

    internal GipcWriter(SafeFdHandle fd, IGipcCodec<T> codec, GipcOptions options)
    {
        _writer = new FrameWriter(fd, options);
        Codec = codec;
    }

    /// <summary>The codec messages are encoded with.</summary>
    public IGipcCodec<T> Codec { get; }

    /// <summary>The framing underneath (the process pool speaks its own messages over it).</summary>
    internal FrameWriter Frames => _writer;

    /// <summary>Whether the handle is closed (disposed or passed to a child).</summary>
    public bool IsClosed => _writer.IsClosed;

    SafeFdHandle IGipcHandle.Handle => _writer.Handle;

    SafeFdHandle? ITransferableHandle.SecondHandle => null;

    HandleKind ITransferableHandle.Kind => HandleKind.Writer;

    Type ITransferableHandle.CodecType => Codec.GetType();

    GipcOptions ITransferableHandle.Options => _writer.Options;

    /// <summary>
    /// Sends one message. Returns as soon as the message is accepted whole (usually at once); it waits while the
    /// writer holds more than <see cref="GipcOptions.WriteBufferLimit"/> unsent bytes, and a large raw payload waits
    /// until it is written (its memory is read in place). A put that times out, is cancelled or killed has sent the
    /// whole message or none of it.
    /// </summary>
    /// <param name="value">The message.</param>
    /// <param name="timeout">How long to wait for room; null waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait for room.</param>
    /// <returns>A task that completes when the message is accepted.</returns>
    /// <exception cref="GipcClosedException">The handle is closed or was passed to a child.</exception>
    /// <exception cref="IOException">The reading end is closed (broken pipe); SIGPIPE never kills the process.</exception>
    /// <exception cref="GreenTimeoutException"><paramref name="timeout"/> passed before the message was accepted.</exception>
    /// <exception cref="GipcException">The message encodes to more than <see cref="GipcOptions.MaxFrameSize"/>.</exception>
    public ValueTask PutAsync(T value, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        return _writer.PutAsync(Codec, value, timeout, cancellationToken);
    }

    /// <summary>Waits until every accepted message has been written to the pipe.</summary>
    /// <param name="timeout">How long to wait; null waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait (the messages are still sent).</param>
    /// <returns>A task that completes when nothing is pending.</returns>
    /// <exception cref="IOException">The reading end closed before everything was written.</exception>
    public ValueTask FlushAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfTransferred();
        return _writer.FlushAsync(timeout, cancellationToken);
    }

    /// <summary>
    /// Closes the handle. Messages already accepted are still written before the fd closes, so the reader sees them
    /// and then end of stream: in the background on this writer's hub while it runs, and, if its main greenlet ends
    /// first, by the hub itself before <c>Green.Run</c> returns (for at most <see cref="GipcOptions.ExitFlushTimeout"/>;
    /// what the reader does not take by then is reported by <c>Green.Run</c> as <see cref="GipcUndeliveredException"/>).
    /// Disposed from another thread, the close is posted to the writer's hub. Use <see cref="DisposeAsync"/> to wait
    /// for delivery here.
    /// </summary>
    public void Dispose() => _writer.Close();

    /// <summary>
    /// Writes every accepted message, then closes the handle. It waits as long as the reader takes to make room: put a
    /// <see cref="GreenTimeout"/> scope around it to bound that.
    /// </summary>
    /// <returns>A task that completes when the handle is closed.</returns>
    /// <exception cref="GipcUndeliveredException">The reading end closed before every accepted message was written,
    /// and no earlier put or flush had raised that (a reader that is gone with nothing left to deliver is no error).</exception>
    public ValueTask DisposeAsync() => _writer.CloseAsync();

    void ITransferableHandle.EnsureTransferable()
    {
        ThrowIfTransferred();
        _writer.EnsureTransferable("writer");
    }

    void ITransferableHandle.CompleteTransfer()
    {
        _transferred = true;
        _writer.Abort();
    }

    private void ThrowIfTransferred()
    {
        if (_transferred)
        {
            throw new GipcClosedException("This gipc writer was passed to a child process with Gipc.StartProcess: the child writes to it now, and this process's copy is closed.");
        }
    }
}
