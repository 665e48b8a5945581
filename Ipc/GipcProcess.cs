using System;
using GreenProc.Internal;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Subprocess;

namespace GreenProc.Ipc;

/// <summary>
/// A child process started by <see cref="Gipc.StartProcess(Delegate, object?[], bool, string?)"/>: a fresh
/// <c>dotnet</c> process running the target method on its own hub. Its exit is watched on the hub that started it (a
/// pidfd), so it is reaped even if nobody joins it.
/// </summary>
[DebuggerDisplay("GipcProcess {Name} pid {Pid}, exit {ExitCode}")]
public sealed class GipcProcess : IDisposable
{
    private readonly Popen _popen;

    // The read end of the child's outcome pipe (see Exception); null once read.
    private SafeFdHandle? _outcome;
    private GipcRemoteException? _exception;

    internal GipcProcess(Popen popen, string name, SafeFdHandle outcome)
    {
        _popen = popen;
        _outcome = outcome;
        Name = name;
        if (Hub.Current is not null)
        {
            // Reap when it exits, joined or not: no zombie stays behind a process nobody waits for.
            Green.Spawn(async () =>
            {
                try
                {
                    await _popen.WaitAsync();
                }
                catch (SubprocessException)
                {
                    // a lost status surfaces in JoinAsync/ExitCode
                }
            }, $"gipc-reaper-{popen.Pid}");
        }
    }

    /// <summary>The child as a Popen (its stderr pipe when started with one, its process group).</summary>
    internal Popen Popen => _popen;

    /// <summary>The child's process id.</summary>
    public int Pid => _popen.Pid;

    /// <summary>The name given at start (default: the target method's name).</summary>
    public string Name { get; }

    /// <summary>The exit code once the child has exited: 0 when the target returned, 1 when it threw (the exception
    /// is on the child's stderr), negative when a signal killed it (-9: SIGKILL). Null while it runs.</summary>
    public int? ExitCode => _popen.Poll();

    /// <summary>
    /// The exception the child's target raised (its type's name, message, stack in the child and inner exceptions),
    /// once the child has exited with 1; null while it runs, when it exited otherwise, or when it could not say (it
    /// was killed, or failed before it had read its start-up data). A loss at the child's exit (its hub could not
    /// deliver what a writer had accepted) comes here too, as <c>GreenProc.Ipc.GipcUndeliveredException</c>.
    /// </summary>
    public GipcRemoteException? Exception
    {
        get
        {
            if (_outcome is not null && _popen.Poll() is not null)
            {
                ReadOutcome();
            }

            return _exception;
        }
    }

    /// <summary>Whether the child is still running.</summary>
    public bool IsAlive => _popen.Poll() is null;

    /// <summary>Waits cooperatively for the child to exit.</summary>
    /// <param name="timeout">How long to wait; null waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait (not the child).</param>
    /// <returns>True when the child has exited, false when the timeout passed first.</returns>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    public async ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await _popen.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (SubprocessTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Asks the child to stop (SIGTERM).</summary>
    public void Terminate() => _popen.Terminate();

    /// <summary>Kills the child (SIGKILL).</summary>
    public void Kill() => _popen.Kill();

    /// <summary>Lets go of the child (it keeps running; it is reaped in the background when it exits).</summary>
    public void Dispose()
    {
        if (_popen.Poll() is not null)
        {
            ReadOutcome(); // the exception stays readable after dispose
        }

        _outcome?.Dispose();
        _outcome = null;
        _popen.Dispose();
    }

    /// <summary>
    /// Reads what the exited child wrote to its outcome pipe. It wrote before exiting and the pipe holds it all; the
    /// reads never wait (non-blocking: should a program the child started hold the write end, what is there is taken).
    /// </summary>
    private void ReadOutcome()
    {
        SafeFdHandle? fd = _outcome;
        if (fd is null)
        {
            return;
        }

        _outcome = null;
        using (fd)
        {
            if (!OperatingSystem.IsWindows())
            {
                fd.SetNonBlocking(); // Windows: TryRead peeks first, so it never waits either
            }

            var data = new System.IO.MemoryStream();
            Span<byte> buffer = stackalloc byte[4096];
            try
            {
                // Up to end of stream, or "not ready" (someone else holds the write end: what is there is all there is).
                int n;
                while ((n = FdIO.TryRead(fd, buffer)) > 0)
                {
                    data.Write(buffer.Slice(0, n));
                }
            }
            catch (NativeIOException)
            {
                // An error reading it: report what arrived.
            }

            if (data.Length > 0)
            {
                try
                {
                    _exception = Internal.RemoteError.Read(data.GetBuffer().AsSpan(0, (int)data.Length), Pid);
                }
                catch (GipcProtocolException e)
                {
                    _exception = new GipcRemoteException($"The child exited with 1 but its exception record could not be read ({e.Message}); see its stderr.", e);
                }
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"GipcProcess({Name}, pid {Pid}, {(ExitCode is { } c ? $"exit {c}" : "running")})";
}
