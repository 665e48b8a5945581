using System;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// One child this process started on Windows: its process handle (the race-free name of the process, waitable), and
/// its exit code once it has exited. Windows has no reaping and no zombies: the code stays readable while the handle is
/// open, so nothing is lost to another waiter, and <see cref="Abandon"/> only closes the handle.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsChildProcess : IChildProcess
{
    private readonly SafeProcessHandle _process;
    private readonly Lock _sync = new();
    private volatile bool _done;
    private int _returnCode;

    public WindowsChildProcess(SafeProcessHandle process, int pid, nint job)
    {
        _process = process;
        Pid = pid;
        Job = job;
    }

    public int Pid { get; }

    /// <summary>The job the child was put in (its own, for a tree kill), or 0.</summary>
    public nint Job { get; }

    /// <inheritdoc />
    public SafeHandle? ExitHandle => null; // a process handle has no readiness: see WaitForExitAsync

    public bool IsDone => _done;

    public int ReturnCode => _returnCode;

    public bool StatusLost => false;

    public bool TryReap()
    {
        if (_done)
        {
            return true;
        }

        lock (_sync)
        {
            if (_done || _process.IsClosed)
            {
                return _done;
            }

            if (Interop.WaitForSingleObject(_process, 0) != Interop.WAIT_OBJECT_0)
            {
                return false;
            }

            if (!Interop.GetExitCodeProcess(_process, out int code))
            {
                throw Interop.Win32Exception(Interop.LastWin32Error, $"GetExitCodeProcess(pid {Pid})");
            }

            _returnCode = code;
            _done = true;
            return true;
        }
    }

    /// <summary>
    /// Waits cooperatively until the child has exited. The process handle is waited on by one of .NET's thread-pool
    /// wait threads (one serves 63 handles: 100 children need two threads, not 100), whose callback cancels a token
    /// the greenlet sleeps on; an armed token counts as an outside wake source, so deadlock detection stays right.
    /// </summary>
    public async Task WaitForExitAsync()
    {
        if (TryReap())
        {
            return;
        }

        // Not disposed: the wait thread may cancel it after we have left (a kill of this greenlet), and a disposed
        // source would throw there, on a pool thread. Without a timer it holds nothing that needs disposing.
        var exited = new CancellationTokenSource();
        using var waitable = new ProcessWaitHandle(_process);
        RegisteredWaitHandle registration = ThreadPool.UnsafeRegisterWaitForSingleObject(
            waitable, static (state, _) => ((CancellationTokenSource)state!).Cancel(), exited, Timeout.Infinite, executeOnlyOnce: true);
        try
        {
            await Green.Sleep(Timeout.InfiniteTimeSpan, exited.Token);
        }
        catch (OperationCanceledException) when (exited.IsCancellationRequested)
        {
            // Exited.
        }
        finally
        {
            registration.Unregister(null);
        }
    }

    public void Signal(int signal)
    {
        if (signal is not (Interop.SIGTERM or Interop.SIGKILL))
        {
            throw new PlatformNotSupportedException(
                $"Windows has no signal {signal}: Terminate and Kill end the process (TerminateProcess, exit code 1, as Python's subprocess does).");
        }

        if (_done)
        {
            return;
        }

        lock (_sync)
        {
            // A child that has already exited refuses with ERROR_ACCESS_DENIED: nothing to do.
            if (!_done && !_process.IsClosed && !Interop.TerminateProcess(_process, 1) && !TryReap())
            {
                throw Interop.Win32Exception(Interop.LastWin32Error, $"TerminateProcess(pid {Pid})");
            }
        }
    }

    /// <summary>Ends the child and everything it started (its job), where it has a job of its own.</summary>
    public bool TerminateTree()
    {
        return Job != 0 && Interop.TerminateJobObject(Job, 1);
    }

    public void Abandon()
    {
        lock (_sync)
        {
            _process.Dispose();
        }

        if (Job != 0)
        {
            Interop.CloseHandle(Job);
        }
    }

    /// <summary>
    /// A duplicate of the process handle for the thread pool to wait on. Its own handle, so that closing the child's
    /// (<see cref="Abandon"/>) never closes one a wait thread still waits on; the thread pool holds a reference on it
    /// while the wait is registered, so disposing it after the unregistration closes it only once nobody waits.
    /// </summary>
    private sealed class ProcessWaitHandle : WaitHandle
    {
        public ProcessWaitHandle(SafeProcessHandle process)
        {
            bool added = false;
            try
            {
                process.DangerousAddRef(ref added);
                if (!Interop.DuplicateHandle(Interop.CurrentProcess, process.DangerousGetHandle(), Interop.CurrentProcess, out nint copy, 0, false, Interop.DUPLICATE_SAME_ACCESS))
                {
                    throw Interop.Win32Exception(Interop.LastWin32Error, "DuplicateHandle(process)");
                }

                SafeWaitHandle = new SafeWaitHandle(copy, ownsHandle: true);
            }
            finally
            {
                if (added)
                {
                    process.DangerousRelease();
                }
            }
        }
    }
}
