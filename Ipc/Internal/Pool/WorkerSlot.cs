using System;
using System.Threading;
using GreenProc.Internal;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// Two words of memory the pool and one worker share (an anonymous memfd, mapped by both): the worker writes there the
/// id of the item it runs and the index of the task in it, before the task starts; after the item's last task the index
/// is the item's count (no task runs). When the worker dies, the pool reads which task it was running: that one failed
/// it; the item's other tasks, and the other items it held, never started or finished with their results lost, and run
/// again elsewhere. The pool's kill timer also reads it, to time each task of an item separately. Two stores per task,
/// no system call (a status message per task would cost a write(2) each).
/// </summary>
internal sealed unsafe class WorkerSlot : IDisposable
{
    private const int Size = 4096;

    private readonly SharedMemory _memory;

    private WorkerSlot(SharedMemory memory) => _memory = memory;

    // Null once disposed: a late read faults plainly instead of reading memory that is no longer mapped.
    private long* _word => (long*)_memory.Start;

    /// <summary>The pool's side: a new slot, and the descriptor to give the worker (close it once the worker has it).</summary>
    public static WorkerSlot Create(out SafeFdHandle forWorker)
    {
        return new WorkerSlot(SharedMemory.Create("greenproc-pool-slot", Size, out forWorker));
    }

    /// <summary>The worker's side, on the descriptor it received (closed here once mapped).</summary>
    public static WorkerSlot Open(int fd) => new(SharedMemory.Open(fd, Size));

    /// <summary>The item the worker runs (0: none yet).</summary>
    public long Item => Volatile.Read(ref _word[0]);

    /// <summary>The index of the task it runs in that item (the item's count once its last task is done).</summary>
    public int Index => (int)Volatile.Read(ref _word[1]);

    /// <summary>The worker starts task <paramref name="index"/> of item <paramref name="item"/>.</summary>
    public void Set(long item, int index)
    {
        Volatile.Write(ref _word[1], index);
        Volatile.Write(ref _word[0], item);
    }

    /// <summary>Unmaps this side's view; the slot must not be read or set afterwards.</summary>
    public void Dispose() => _memory.Dispose();
}
