using System;
using System.Collections.Generic;
using System.Threading;
using GreenProc.Internal;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Reaps children whose <see cref="Popen"/> was disposed while they still ran, so none is left a zombie: one background
/// thread polls their pidfds (or, without pidfds, checks their pids every 50 ms) and reaps each as it exits. It
/// reaps only the children handed to it.
/// </summary>
internal static class OrphanReaper
{
    private static readonly Lock s_sync = new();
    private static readonly List<UnixChildProcess> s_children = new();
    private static SafeFdHandle? s_wakeRead;
    private static SafeFdHandle? s_wakeWrite;

    /// <summary>Children handed over and not yet reaped (for tests).</summary>
    public static int Count
    {
        get
        {
            lock (s_sync)
            {
                return s_children.Count;
            }
        }
    }

    public static void Adopt(UnixChildProcess child)
    {
        lock (s_sync)
        {
            s_children.Add(child);
            if (s_wakeWrite is null)
            {
                SafeFdHandle.CreatePipe(out s_wakeRead, out s_wakeWrite, nonBlocking: true);
                new Thread(Run) { IsBackground = true, Name = "GreenProc orphan reaper" }.Start();
            }
        }

        Wake();
    }

    private static void Wake()
    {
        // Not ready (the pipe is full) means a wake-up is already pending.
        FdIO.TryWrite(s_wakeWrite!, [1]);
    }

    private static void Run()
    {
        var waitOn = new List<SafeFdHandle>();
        Span<byte> drain = stackalloc byte[64];
        while (true)
        {
            waitOn.Clear();
            waitOn.Add(s_wakeRead!);
            bool anyWithoutPidfd = false;
            lock (s_sync)
            {
                for (int i = s_children.Count - 1; i >= 0; i--)
                {
                    UnixChildProcess child = s_children[i];
                    if (child.TryReap())
                    {
                        s_children.RemoveAt(i);
                        continue;
                    }

                    // A pidfd reaped concurrently is closed: WaitAny then returns at once and the next pass removes it.
                    if (child.Pidfd is { } pidfd)
                    {
                        waitOn.Add(pidfd);
                    }
                    else
                    {
                        anyWithoutPidfd = true;
                    }
                }
            }

            FdIO.WaitAny(waitOn, forWrite: false, anyWithoutPidfd ? 50 : -1);
            while (FdIO.TryRead(s_wakeRead!, drain) > 0)
            {
            }
        }
    }
}
