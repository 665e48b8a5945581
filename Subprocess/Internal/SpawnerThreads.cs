using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// A few dedicated threads that run spawns for <see cref="Popen.StartAsync"/>. posix_spawn holds its calling thread
/// until the child has executed the program (vfork); on a hub that stalls every greenlet, so the async start hands it
/// here. Dedicated threads rather than the thread pool, because they never exit: PR_SET_PDEATHSIG (KillWithOwner)
/// fires when the thread that spawned the child exits, and a pool thread retires when idle.
/// </summary>
internal static class SpawnerThreads
{
    private static readonly BlockingCollection<Action> s_jobs = new();
    private static int s_started;

    public static Task<T> Run<T>(Func<T> spawn)
    {
        EnsureStarted();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_jobs.Add(() =>
        {
            try
            {
                done.SetResult(spawn());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    private static void EnsureStarted()
    {
        if (Volatile.Read(ref s_started) != 0 || Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }

        // Two are enough to keep both halves of a spawn busy (the parent's bookkeeping, the child's exec) on small
        // machines; more threads than cores only queue in the kernel.
        int count = Math.Clamp(Environment.ProcessorCount, 2, 4);
        for (int i = 0; i < count; i++)
        {
            new Thread(Loop) { IsBackground = true, Name = $"GreenProc spawner {i}" }.Start();
        }
    }

    private static void Loop()
    {
        foreach (Action job in s_jobs.GetConsumingEnumerable())
        {
            job();
        }
    }
}
