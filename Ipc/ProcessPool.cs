using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc.Internal.Pool;

namespace GreenProc.Ipc;

/// <summary>
/// A pool of worker processes that run CPU-bound tasks in parallel (Python's <c>multiprocessing.Pool</c>, without its
/// failure modes): each worker is a GreenProc child running tasks on its own hub, fed over gipc pipes. Tasks are
/// static methods (or lambdas that capture nothing) that take one argument and return a value, both of types the
/// binary codec carries; sync or async, optionally taking a <see cref="CancellationToken"/>.
/// </summary>
/// <remarks>
/// <para>
/// Failures stay with their task: a task's exception comes back as <see cref="GipcRemoteException"/> (type, message,
/// remote stack) and the worker serves on; a worker that dies (any way: SIGKILL, FailFast, stack overflow, a native
/// crash, <c>Environment.Exit</c>) fails only the task it ran, with <see cref="WorkerCrashedException"/>, and is replaced
/// while every other task completes; a task that outlives its timeout is cancelled through its token, then its worker
/// killed and replaced (<see cref="ProcessPoolTimeoutException"/>). The pool never becomes unusable, except when the
/// initializer fails (<see cref="ProcessPoolInitializationException"/>).
/// </para>
/// <para>
/// Use it from green code (created inside <c>Green.Run</c>, it runs on that hub, and awaiting its tasks parks only the
/// greenlet) or from ordinary async code on any thread (created outside a hub, it runs a hub on a thread of its own).
/// Its methods may be called from any thread either way. Workers are killed with this process, SIGKILL included
/// (Linux); each runs in a process group of its own, which is killed with it.
/// </para>
/// <para>
/// <see cref="DisposeAsync"/> lets every task submitted finish, then stops the workers; <see cref="Dispose"/> and
/// <see cref="Kill"/> kill them at once (tasks not finished fail with <see cref="ObjectDisposedException"/>). A pool
/// created inside <c>Green.Run</c> must be disposed before that returns.
/// </para>
/// </remarks>
[DebuggerDisplay("ProcessPool({Options.Workers} workers)")]
public sealed partial class ProcessPool : IAsyncDisposable, IDisposable
{
    private readonly PoolCore _core;
    private readonly Hub _hub;
    private readonly Thread? _thread;                 // the pool's own hub thread, when created outside a hub
    private readonly TaskCompletionSource? _stopped;  // the pool's own hub has ended
    private GreenEvent? _stop;                         // tells the pool's own hub to end (on that hub)
    private int _disposed;

    /// <summary>This pool's number in this process: the <c>greenproc.pool</c> tag of its metrics.</summary>
    internal int Number => _core.Number;

    /// <summary>Creates the pool and starts its workers (all at once; <see cref="WaitReadyAsync"/> waits until they are up).</summary>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">An option is invalid (the initializer cannot run in a worker, ...).</exception>
    /// <exception cref="PlatformNotSupportedException">Neither Linux nor Windows, or a single-file app.</exception>
    public ProcessPool(ProcessPoolOptions? options = null)
    {
        Options = (options ?? ProcessPoolOptions.Default).Validate();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ProcessPool runs on Linux and Windows.");
        }

        if (Hub.Current is { } hub)
        {
            _hub = hub;
            _core = new PoolCore(hub, Options);
            _core.Start();
            return;
        }

        // No hub on this thread: the pool runs one of its own, on a thread that lives until it is disposed.
        PoolCore? core = null;
        Exception? startError = null;
        using var started = new ManualResetEventSlim();
        _stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource stopped = _stopped;
        _thread = new Thread(() =>
        {
            try
            {
                Green.Run(
                    async () =>
                    {
                        try
                        {
                            core = new PoolCore(Hub.Current!, Options);
                            _stop = new GreenEvent();
                            core.Start();
                        }
                        catch (Exception e)
                        {
                            startError = e;
                            return;
                        }
                        finally
                        {
                            started.Set();
                        }

                        await _stop.WaitAsync();
                    },
                    new HubOptions { DetectDeadlocks = false }); // only posts from other threads end it
            }
            catch (Exception e)
            {
                startError ??= e;
                started.Set();
            }
            finally
            {
                stopped.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "GreenProc process pool",
        };
        _thread.Start();
        started.Wait();
        if (startError is not null)
        {
            ExceptionDispatchInfo.Throw(startError);
        }

        _core = core!;
        _hub = core!.Hub;
    }

    /// <summary>The pool's settings.</summary>
    public ProcessPoolOptions Options { get; }

    /// <summary>Waits until every worker has started and run its initializer (tasks can be submitted before that: they
    /// wait in the workers' pipes).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the workers are ready.</returns>
    /// <exception cref="ProcessPoolInitializationException">The initializer failed.</exception>
    public Task WaitReadyAsync(CancellationToken cancellationToken = default)
        => OnHub(async () =>
        {
            await _core.ReadyEvent.WaitAsync(cancellationToken: cancellationToken);
            _core.ThrowIfFaulted();
        });

    /// <summary>
    /// Lets every task submitted so far finish, then stops the workers and waits for them to exit (the pool takes no new
    /// tasks meanwhile). Workers that do not exit within 10 s of being told are killed.
    /// </summary>
    /// <returns>A task that completes when the workers have exited.</returns>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder))]
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await OnHub(async () =>
        {
            await _core.CloseAsync();
            _stop?.Set();
        });
        if (_stopped is not null)
        {
            await _stopped.Task;
        }
    }

    /// <summary>Kills the pool at once (<see cref="Kill"/>).</summary>
    public void Dispose() => Kill();

    /// <summary>
    /// Kills every worker (and what they started) now. Tasks not finished fail with <see cref="ObjectDisposedException"/>;
    /// the pool takes no new tasks. When it returns, the pool's descriptors are closed and its workers signalled; they are
    /// reaped in the background.
    /// </summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_hub.IsHubThread)
        {
            _core.Kill();
            _stop?.Set();
            return;
        }

        // From another thread: done on the hub, and waited for (a hub that has ended runs nothing; then there is
        // nothing left to kill there either).
        using var done = new ManualResetEventSlim();
        _hub.Post(() =>
        {
            _core.Kill();
            _stop?.Set();
            done.Set();
        });
        while (!done.Wait(100) && !_hub.IsEnded)
        {
        }

        _thread?.Join(TimeSpan.FromSeconds(10)); // the pool's own hub: until its thread has closed what it held
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Runs <paramref name="action"/> on the pool's hub: now when this is its thread, else posted there.</summary>
    private void OnHub(Action action)
    {
        if (_hub.IsHubThread)
        {
            action();
        }
        else
        {
            _hub.Post(action);
        }
    }

    /// <summary>Runs <paramref name="body"/> in a greenlet of the pool's hub; the returned task ends with it.</summary>
    private Task OnHub(Func<Task> body)
    {
        if (_hub.IsHubThread && Hub.Current?.CurrentGreenlet is not null)
        {
            return body();
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hub.Post(() => _ = Green.Spawn(async () =>
        {
            try
            {
                await body();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }, "pool call"));
        return done.Task;
    }
}
