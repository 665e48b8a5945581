using System;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GreenProc.Subprocess;

/// <summary>
/// Where a child's stdin, stdout or stderr goes: <see cref="Inherit"/>, <see cref="Pipe"/>, <see cref="DevNull"/>,
/// <see cref="Stdout"/> (stderr into stdout), a file by path, or a handle/stream this process owns.
/// </summary>
/// <remarks>
/// A handle or stream given here stays open and owned by the caller: the child gets its own copy of the descriptor.
/// The child's copy is blocking, as programs expect their stdio to be, while this process's keeps its mode: a
/// non-blocking pipe or FIFO (a <see cref="GreenStream"/>'s, another Popen's <see cref="Popen.Stdout"/>) is reopened
/// for the child as a description of its own (Linux). A non-blocking descriptor that cannot be reopened (a socket, a
/// terminal) would share its mode with the child, so <see cref="Popen.Start(System.Collections.Generic.IReadOnlyList{string}, PopenOptions)"/>
/// refuses it with an <see cref="ArgumentException"/>; a blocking one is shared as is.
/// Only streams that sit on a descriptor can be given (<see cref="FileStream"/>, <see cref="GreenStream"/>,
/// <see cref="PipeStream"/>, <see cref="NetworkStream"/>); to feed or drain any other stream, use <see cref="Pipe"/>
/// and copy from a greenlet.
/// </remarks>
public sealed class Redirect
{
    private Redirect(RedirectKind kind, SafeHandle? handle = null, string? path = null, bool append = false)
    {
        Kind = kind;
        Handle = handle;
        Path = path;
        Append = append;
    }

    /// <summary>The child shares this process's stream (the default).</summary>
    public static Redirect Inherit { get; } = new(RedirectKind.Inherit);

    /// <summary>A new pipe, exposed on the <see cref="Popen"/> as a non-blocking <see cref="GreenStream"/>.</summary>
    public static Redirect Pipe { get; } = new(RedirectKind.Pipe);

    /// <summary>/dev/null: reads see end of file, writes are discarded.</summary>
    public static Redirect DevNull { get; } = new(RedirectKind.DevNull);

    /// <summary>For stderr only: write to wherever stdout goes (2&gt;&amp;1).</summary>
    public static Redirect Stdout { get; } = new(RedirectKind.Stdout);

    /// <summary>What this redirect connects to.</summary>
    internal RedirectKind Kind { get; }

    /// <summary>The handle for <see cref="RedirectKind.Handle"/>.</summary>
    internal SafeHandle? Handle { get; }

    /// <summary>The path for <see cref="RedirectKind.File"/>.</summary>
    internal string? Path { get; }

    /// <summary>For an output file: append rather than truncate.</summary>
    internal bool Append { get; }

    /// <summary>Gives the child a copy of <paramref name="handle"/>'s descriptor (which stays open here).</summary>
    /// <param name="handle">An open file, pipe or socket handle (<see cref="SafeFdHandle"/>, a SafeFileHandle, ...).</param>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="handle"/> is closed.</exception>
    public static Redirect FromHandle(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed || handle.IsInvalid, handle);
        return new Redirect(RedirectKind.Handle, handle);
    }

    /// <summary>Gives the child a copy of the descriptor under <paramref name="stream"/> (which stays open here).</summary>
    /// <param name="stream">A <see cref="FileStream"/>, <see cref="GreenStream"/>, <see cref="PipeStream"/> or <see cref="NetworkStream"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="stream"/> has no descriptor (a MemoryStream, ...).</exception>
    public static Redirect FromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafeHandle handle = stream switch
        {
            FileStream fs => fs.SafeFileHandle,
            GreenStream gs => gs.Handle,
            PipeStream ps => ps.SafePipeHandle,
            NetworkStream ns => ns.Socket.SafeHandle,
            _ => throw new ArgumentException(
                $"A {stream.GetType().Name} has no file descriptor a child process could use. Use Redirect.Pipe and copy the stream to or from the Popen's GreenStream in a greenlet.",
                nameof(stream)),
        };
        return FromHandle(handle);
    }

    /// <summary>Opens <paramref name="path"/> for the child to read (stdin).</summary>
    /// <param name="path">The file.</param>
    public static Redirect FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new Redirect(RedirectKind.File, path: path, append: false) { ForReading = true };
    }

    /// <summary>Opens (creates) <paramref name="path"/> for the child to write (stdout, stderr): truncated, or appended to.</summary>
    /// <param name="path">The file.</param>
    /// <param name="append">Append to the file (opened O_APPEND: every write of the child lands at the end of the file,
    /// also when stdout and stderr both go there, or another process appends too) instead of truncating it.</param>
    public static Redirect ToFile(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new Redirect(RedirectKind.File, path: path, append: append);
    }

    /// <summary>Whether a <see cref="RedirectKind.File"/> redirect opens the file for reading.</summary>
    internal bool ForReading { get; private init; }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        RedirectKind.File => $"File({Path})",
        _ => Kind.ToString(),
    };
}
