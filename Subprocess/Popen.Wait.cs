using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Subprocess;

// The child's exit: reaping it, waiting for it, and the hub-side watcher a wait starts.
public sealed partial class Popen
{
    // Set when the exit watcher has reaped the child (the watcher is started by the first wait).
    private GreenEvent? _exited;
    private Greenlet? _watcher;

    /// <summary>Reaps the child if it has exited, without waiting; returns <see cref="ReturnCode"/>.</summary>
    /// <exception cref="ChildStatusLostException">Someone else reaped the child (SIGCHLD ignored, a waitpid(-1) elsewhere).</exception>
    public int? Poll()
    {
        // Works from any thread: a watcher parked on the pidfd is woken by the pidfd's disposal when this reaps.
        return _child.TryReap() ? Result() : null;
    }

    /// <summary>Waits cooperatively for the child to exit and returns its exit code.</summary>
    /// <param name="timeout">How long to wait; null waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait (not the child).</param>
    /// <returns>The exit code; negative: the signal that killed it.</returns>
    /// <exception cref="SubprocessTimeoutException">The child is still running after <paramref name="timeout"/>.</exception>
    /// <exception cref="ChildStatusLostException">Someone else reaped the child.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_child.TryReap())
        {
            return new ValueTask<int>(Result());
        }

        return WaitSlowAsync(timeout, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitSlowAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (!await ExitedEvent().WaitAsync(timeout, cancellationToken))
        {
            throw new SubprocessTimeoutException(_args, timeout!.Value, null, null);
        }

        return Result();
    }

    private int Result()
    {
        if (_child.StatusLost)
        {
            throw new ChildStatusLostException(_args, Pid);
        }

        return _child.ReturnCode;
    }

    /// <summary>The event set when the child is reaped; starts the hub-side watcher on first use.</summary>
    private GreenEvent ExitedEvent()
    {
        _exited ??= new GreenEvent();
        if (_watcher is null)
        {
            _watcher = Green.Spawn(WatchExitAsync, $"popen-exit-{Pid}");
        }

        return _exited;
    }

    private async Task WatchExitAsync()
    {
        if (OperatingSystem.IsWindows())
        {
            await ((Internal.WindowsChildProcess)_child).WaitForExitAsync();
            _child.TryReap();
            _exited!.Set();
            return;
        }

        TimeSpan backoff = TimeSpan.FromMilliseconds(1);
        try
        {
            while (!_child.TryReap())
            {
                SafeHandle? exitHandle = _child.ExitHandle;
                if (exitHandle is not null)
                {
                    await Green.WaitReadAsync(exitHandle);
                }
                else
                {
                    // No waitable handle (an old kernel, macOS): poll our own pid only, backing off to 50 ms.
                    await Green.Sleep(backoff);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The handle was closed because the child was reaped elsewhere (Poll, the orphan reaper).
            _child.TryReap();
        }

        _exited!.Set();
    }
}
