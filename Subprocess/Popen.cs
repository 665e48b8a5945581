using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using GreenProc.Subprocess.Internal;

namespace GreenProc.Subprocess;

/// <summary>
/// A child process started by GreenProc (gevent.subprocess.Popen): its pipes are <see cref="GreenStream"/>s and its
/// exit is watched on the hub (a pidfd in the reactor), so a greenlet waits for it, or converses with it, without
/// blocking the thread and without a thread per stream.
/// </summary>
/// <remarks>
/// <para>Waits (<see cref="WaitAsync"/>, <see cref="CommunicateAsync"/>, stream I/O) run on a hub, from a greenlet;
/// <see cref="Poll"/> and the signal methods work anywhere. The child is started with posix_spawn (no managed code
/// between fork and exec), an empty signal mask, default signal dispositions, and only stdio plus
/// <see cref="PopenOptions.PassFds"/> open.</para>
/// <para>Disposing closes this side's pipes. It does not kill the child (as in Python and .NET); a child still running
/// is reaped in the background when it exits, so it never stays a zombie.</para>
/// </remarks>
[DebuggerDisplay("pid {Pid}, returncode {ReturnCode}")]
public sealed partial class Popen : IDisposable, IAsyncDisposable
{
    private readonly IChildProcess _child;
    private readonly string[] _args;
    private readonly bool _groupLeader;
    private readonly TimeSpan _drainGrace;

    // This process sent the child a signal: after it exits, its pipes get only the drain grace to reach EOF.
    private volatile bool _signalled;
    private bool _disposed;

    private Popen(IChildProcess child, string[] args, PopenOptions options, GreenStream? stdin, GreenStream? stdout, GreenStream? stderr)
    {
        _child = child;
        _args = args;
        _groupLeader = options.NewProcessGroup || options.NewSession;
        _drainGrace = options.PipeDrainGrace;
        Stdin = stdin;
        Stdout = stdout;
        Stderr = stderr;
    }

    /// <summary>The child's process id.</summary>
    public int Pid => _child.Pid;

    /// <summary>The command line the child was started with.</summary>
    public IReadOnlyList<string> Args => _args;

    /// <summary>
    /// The exit code once the child has been reaped (by <see cref="Poll"/> or a wait), else null. Negative when the
    /// child was killed by a signal: -9 for SIGKILL, -15 for SIGTERM.
    /// </summary>
    public int? ReturnCode => _child.IsDone && !_child.StatusLost ? _child.ReturnCode : null;

    /// <summary>This side of the child's stdin when it is <see cref="Redirect.Pipe"/>; else null.</summary>
    public GreenStream? Stdin { get; }

    /// <summary>This side of the child's stdout when it is <see cref="Redirect.Pipe"/>; else null.</summary>
    public GreenStream? Stdout { get; }

    /// <summary>This side of the child's stderr when it is <see cref="Redirect.Pipe"/>; else null.</summary>
    public GreenStream? Stderr { get; }

    /// <summary>Closes this side's pipes; a child still running is reaped in the background when it exits.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stdin?.Dispose();
        Stdout?.Dispose();
        Stderr?.Dispose();
        _communication?.Dispose(); // after the streams: their readers have been woken and will not touch the buffers
        _child.Abandon();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString() => $"Popen(pid {Pid}, {CommandText.Format(_args)}, returncode {ReturnCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "running"})";
}
