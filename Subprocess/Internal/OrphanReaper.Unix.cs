using System.Collections.Generic;
using System.Threading;
using Mono.Unix.Native;

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

    private static unsafe void Wake()
    {
        byte one = 1;
        int fd = s_wakeWrite!.Fd;
        Interop.Write(fd, &one, 1); // EAGAIN (pipe full) means a wake-up is already pending
    }

    private static unsafe void Run()
    {
        var held = new List<SafeFdHandle>();
        byte* drain = stackalloc byte[64];
        while (true)
        {
            List<Pollfd> fds = new() { new Pollfd { fd = s_wakeRead!.Fd, events = PollEvents.POLLIN } };
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

                    SafeFdHandle? pidfd = child.Pidfd;
                    bool added = false;
                    if (pidfd is not null)
                    {
                        try
                        {
                            pidfd.DangerousAddRef(ref added);
                        }
                        catch (System.ObjectDisposedException)
                        {
                            // reaped concurrently: the next pass removes it
                        }
                    }

                    if (added)
                    {
                        held.Add(pidfd!);
                        fds.Add(new Pollfd { fd = (int)pidfd!.DangerousGetHandle(), events = PollEvents.POLLIN });
                    }
                    else
                    {
                        anyWithoutPidfd = true;
                    }
                }
            }

            Pollfd[] array = fds.ToArray();
            Interop.Poll(array, array.Length, anyWithoutPidfd ? 50 : -1, out _);
            foreach (SafeFdHandle h in held)
            {
                h.DangerousRelease();
            }

            held.Clear();
            while (Interop.Read(s_wakeRead.Fd, drain, 64) > 0)
            {
            }
        }
    }
}
