using System;
using GreenProc.Ipc.Internal;

namespace GreenProc.Ipc;

/// <summary>
/// gipc for .NET: typed message pipes between processes, used cooperatively from greenlets, and child processes that
/// run a static method with pipe handles as arguments (<c>Gipc.StartProcess</c>).
/// </summary>
public static partial class Gipc
{
    /// <summary>A simplex pipe of <typeparamref name="T"/> messages over a close-on-exec, non-blocking OS pipe.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="codec">How messages are encoded; default: raw for <c>byte[]</c>/<c>ReadOnlyMemory&lt;byte&gt;</c>,
    /// <see cref="GipcBinaryCodec{T}"/> otherwise.</param>
    /// <param name="options">Frame size cap, pipe buffer size, buffering.</param>
    /// <returns>The pipe (deconstruct it into reader and writer).</returns>
    /// <exception cref="NativeIOException">No more fds (EMFILE).</exception>
    public static GipcPipe<T> Pipe<T>(IGipcCodec<T>? codec = null, GipcOptions? options = null)
    {
        options = (options ?? GipcOptions.Default).Validate();
        codec ??= GipcCodecs.Default<T>();
        SafeFdHandle.CreatePipe(out SafeFdHandle readEnd, out SafeFdHandle writeEnd);
        if (options.PipeSize is { } size)
        {
            TrySetPipeSize(writeEnd, size);
        }

        return new GipcPipe<T>(new GipcReader<T>(readEnd, codec, options), new GipcWriter<T>(writeEnd, codec, options));
    }

    /// <summary>
    /// A duplex pipe: two ends that each put and get <typeparamref name="T"/> messages, over two close-on-exec,
    /// non-blocking OS pipes (one per direction, as gipc's duplex handles; a Unix socket pair costs a round trip ~30 %
    /// more).
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="codec">How messages are encoded (see <see cref="Pipe{T}"/>).</param>
    /// <param name="options">Frame size cap, pipe buffer size, buffering.</param>
    /// <returns>The two ends.</returns>
    /// <exception cref="NativeIOException">No more fds (EMFILE).</exception>
    public static (GipcDuplex<T>, GipcDuplex<T>) DuplexPipe<T>(IGipcCodec<T>? codec = null, GipcOptions? options = null)
    {
        options = (options ?? GipcOptions.Default).Validate();
        codec ??= GipcCodecs.Default<T>();
        SafeFdHandle.CreatePipe(out SafeFdHandle toBRead, out SafeFdHandle toBWrite);
        SafeFdHandle toARead, toAWrite;
        try
        {
            SafeFdHandle.CreatePipe(out toARead, out toAWrite);
        }
        catch
        {
            toBRead.Dispose();
            toBWrite.Dispose();
            throw;
        }

        if (options.PipeSize is { } size)
        {
            TrySetPipeSize(toBWrite, size);
            TrySetPipeSize(toAWrite, size);
        }

        return (new GipcDuplex<T>(toARead, toBWrite, codec, options), new GipcDuplex<T>(toBRead, toAWrite, codec, options));
    }

    private static void TrySetPipeSize(SafeFdHandle pipe, int size)
    {
        try
        {
            pipe.SetPipeSize(size);
        }
        catch (Exception e) when (e is NativeIOException or PlatformNotSupportedException)
        {
            // Over the user's pipe budget (EPERM), or not Linux (Windows sizes a named pipe at its creation: 64 KiB each
            // way): the pipe keeps its size, which only costs speed.
        }
    }
}
