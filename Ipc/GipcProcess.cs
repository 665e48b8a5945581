using System;
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

    internal GipcProcess(Popen popen, string name)
    {
        _popen = popen;
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

    /// <summary>The child's process id.</summary>
    public int Pid => _popen.Pid;

    /// <summary>The name given at start (default: the target method's name).</summary>
    public string Name { get; }

    /// <summary>The exit code once the child has exited: 0 when the target returned, 1 when it threw (the exception
    /// is on the child's stderr), negative when a signal killed it (-9: SIGKILL). Null while it runs.</summary>
    public int? ExitCode => _popen.Poll();

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
    public void Dispose() => _popen.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"GipcProcess({Name}, pid {Pid}, {(ExitCode is { } c ? $"exit {c}" : "running")})";
}
