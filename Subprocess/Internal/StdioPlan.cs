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
internal sealed class StdioPlan
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
                request.FdMap.Add((Reference(pass.Value), pass.Key));
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
                return -1;
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
                    return readEnd.Fd;
                }

                _childSide.Add(writeEnd);
                var stream = new GreenStream(readEnd, FileAccess.Read);
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
                return Reference(redirect.Handle!);
            case RedirectKind.File:
            {
                SafeFileHandle file = redirect.ForReading
                    ? File.OpenHandle(redirect.Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
                    : File.OpenHandle(redirect.Path!, redirect.Append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
                _childSide.Add(file);
                return (int)file.DangerousGetHandle();
            }

            default:
                throw new ArgumentException($"Redirect {redirect} is not valid for fd {childFd}.");
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
