using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Turns the stdio redirects and passed descriptors into dup2 actions, creating pipes and opening files as needed.
/// Holds the child's ends (closed here once the child has them) and this side's <see cref="GreenStream"/>s.
/// </summary>
/// <remarks>
/// O_NONBLOCK belongs to the open file description, which dup2 shares: a child given one of our non-blocking
/// descriptions (a GreenStream's pipe end) sees EAGAIN where it expects to wait (gevent issue 134). So every
/// descriptor a child receives from this process's own (stdio <see cref="RedirectKind.Inherit"/>,
/// <see cref="RedirectKind.Handle"/>, <see cref="PopenOptions.PassFds"/>) goes through <see cref="ForChild"/>: a
/// blocking one is shared as is (Python's semantics), a non-blocking pipe or FIFO is reopened as a description of its
/// own, blocking (ours keeps its mode), and what cannot be reopened (a socket, a terminal) is refused as explicit
/// stdio and shared as is otherwise. Clearing O_NONBLOCK "for the spawn only" is no way out: the child keeps the
/// shared description after exec, so restoring the flag reaches the child too, and until then our own greenlets
/// would block the hub on it.
/// </remarks>
internal sealed partial class StdioPlan
{
    private static readonly Lazy<SafeFileHandle> s_devNull = new(() => File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite));

    private readonly List<SafeHandle> _childSide = new(4);
    private readonly List<SafeHandle> _referenced = new(4);
    private readonly List<int> _copies = new(0);

    public GreenStream? Stdin { get; private set; }

    public GreenStream? Stdout { get; private set; }

    public GreenStream? Stderr { get; private set; }

    // PopenOptions.PipeSize, for the pipes this plan makes.
    private int? _pipeSize;

    public void Build(SpawnRequest request, PopenOptions options)
    {
        _pipeSize = options.PipeSize;
        int s0 = Source(options.Stdin, 0);
        int s1 = Source(options.Stdout, 1);
        int s2 = options.Stderr.Kind == RedirectKind.Stdout ? (s1 >= 0 ? s1 : 1) : Source(options.Stderr, 2);
        if (s0 >= 0)
        {
            request.FdMap.Add((s0, 0));
        }

        if (s1 >= 0)
        {
            request.FdMap.Add((s1, 1));
        }

        if (s2 >= 0)
        {
            request.FdMap.Add((s2, 2));
        }

        if (options.PassFds is not null)
        {
            foreach (KeyValuePair<int, SafeHandle> pass in options.PassFds.OrderBy(p => p.Key))
            {
                request.FdMap.Add((ForChild(Reference(pass.Value), pass.Key, refuseShared: false), pass.Key));
                request.MaxChildFd = Math.Max(request.MaxChildFd, pass.Key);
            }
        }

        // dup2 actions run in order: a source that is also another action's target would be overwritten before it
        // is copied. Move such sources above every target first (rare: only when the caller passes low fds around).
        for (int i = 0; i < request.FdMap.Count; i++)
        {
            (int source, int target) = request.FdMap[i];
            if (source != target && IsTarget(request, source))
            {
                int copy = Interop.DupCloseOnExec(source, request.MaxChildFd + 1);
                _copies.Add(copy);
                request.FdMap[i] = (copy, target);
            }
        }
    }

    /// <summary>Closes the child's ends here (the child has its own copies) and drops the references taken.</summary>
    public void ReleaseChildSide()
    {
        foreach (SafeHandle h in _childSide)
        {
            h.Dispose();
        }

        foreach (SafeHandle h in _referenced)
        {
            h.DangerousRelease();
        }

        foreach (int fd in _copies)
        {
            Interop.Close(fd);
        }

        _childSide.Clear();
        _referenced.Clear();
        _copies.Clear();
    }

    public void DisposeParentSide()
    {
        Stdin?.Dispose();
        Stdout?.Dispose();
        Stderr?.Dispose();
    }

    private static bool IsTarget(SpawnRequest request, int fd)
    {
        foreach ((_, int target) in request.FdMap)
        {
            if (target == fd)
            {
                return true;
            }
        }

        return false;
    }

    private int Source(Redirect redirect, int childFd)
    {
        switch (redirect.Kind)
        {
            case RedirectKind.Inherit:
                return Inherited(childFd);
            case RedirectKind.Pipe:
            {
                // Blocking pipe: the child's end stays blocking (programs expect that); GreenStream makes only this
                // side's end O_NONBLOCK (the two ends are separate open file descriptions).
                SafeFdHandle.CreatePipe(out SafeFdHandle readEnd, out SafeFdHandle writeEnd, nonBlocking: false);
                if (_pipeSize is { } size)
                {
                    try
                    {
                        readEnd.SetPipeSize(size);
                    }
                    catch
                    {
                        readEnd.Dispose();
                        writeEnd.Dispose();
                        throw;
                    }
                }

                if (childFd == 0)
                {
                    _childSide.Add(readEnd);
                    Stdin = new GreenStream(writeEnd, FileAccess.Write);
                    if (_pipeSize is null)
                    {
                        Stdin.GrowWhenBusy();
                    }

                    return readEnd.Fd;
                }

                _childSide.Add(writeEnd);
                var stream = new GreenStream(readEnd, FileAccess.Read);
                if (_pipeSize is null)
                {
                    stream.GrowWhenBusy();
                }

                if (childFd == 1)
                {
                    Stdout = stream;
                }
                else
                {
                    Stderr = stream;
                }

                return writeEnd.Fd;
            }

            case RedirectKind.DevNull:
                return Reference(s_devNull.Value);
            case RedirectKind.Handle:
                return ForChild(Reference(redirect.Handle!), childFd, refuseShared: true);
            case RedirectKind.File:
            {
                SafeFileHandle file = redirect.ForReading
                    ? File.OpenHandle(redirect.Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
                    : File.OpenHandle(redirect.Path!, redirect.Append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
                _childSide.Add(file);
                int fd = (int)file.DangerousGetHandle();
                if (redirect.Append)
                {
                    // .NET's FileMode.Append is no O_APPEND: it only starts a FileStream's own position at the end, and
                    // the descriptor the child inherits stays at offset 0 (a file holding "first;" became "PEARt;").
                    // O_APPEND also keeps two writers (stdout and stderr to one file) from overwriting each other.
                    Interop.SetAppend(fd);
                }

                return fd;
            }

            default:
                throw new ArgumentException($"Redirect {redirect} is not valid for fd {childFd}.");
        }
    }

    /// <summary>
    /// The descriptor to give the child for our <paramref name="fd"/>: <paramref name="fd"/> itself when it is
    /// blocking; else a blocking description of its own when the kernel can make one (a pipe or FIFO on Linux);
    /// else <paramref name="fd"/> shared, or, with <paramref name="refuseShared"/> (explicit stdio, which every
    /// program expects to block), an <see cref="ArgumentException"/>.
    /// </summary>
    private int ForChild(int fd, int childFd, bool refuseShared)
    {
        if ((Interop.GetStatusFlags(fd) & Interop.O_NONBLOCK) == 0)
        {
            return fd;
        }

        if (OperatingSystem.IsLinux() && TryReopenBlocking(fd, out int copy))
        {
            _copies.Add(copy);
            return copy;
        }

        if (refuseShared)
        {
            throw new ArgumentException(
                $"The descriptor given as the child's {StreamName(childFd)} (fd {fd}{Describe(fd)}) is non-blocking and cannot be given " +
                "to a child as a blocking description of its own (only a pipe or FIFO can, on Linux): the child would share the " +
                "mode and fail with EAGAIN (\"Resource temporarily unavailable\") where it expects to wait. If no green code of this process uses the " +
                "descriptor while the child has it, make it blocking before the start (SafeFdHandle.SetNonBlocking(false); " +
                "this process's side becomes blocking too); otherwise use Redirect.Pipe and copy between the descriptor and " +
                "the Popen's stream in a greenlet.",
                "options");
        }

        return fd;
    }

    /// <summary>What the child gets for an inherited stdio descriptor: -1 (no action) unless it must be reopened.</summary>
    private int Inherited(int childFd)
    {
        try
        {
            int fd = ForChild(childFd, childFd, refuseShared: false);
            return fd == childFd ? -1 : fd;
        }
        catch (NativeIOException e) when (e.Errno == Interop.EBADF)
        {
            return -1; // closed here: closed in the child too, as before
        }
    }

    private static string StreamName(int childFd) => childFd switch
    {
        0 => "stdin",
        1 => "stdout",
        _ => "stderr",
    };

    /// <summary>", socket:[1234]" and the like (Linux's name for what the descriptor is), or nothing.</summary>
    private static string Describe(int fd)
    {
        try
        {
            return OperatingSystem.IsLinux() && new FileInfo($"/proc/self/fd/{fd}").LinkTarget is { } target ? ", " + target : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private int Reference(SafeHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        _referenced.Add(handle);
        return (int)handle.DangerousGetHandle();
    }
}
