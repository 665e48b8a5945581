using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// A word of memory the pool and one worker share (an anonymous memfd, mapped by both): the worker writes there the id
/// of the task it runs, before the task starts and until its result has been put, 0 in between. When the worker dies,
/// the pool reads which task it was running: that one failed it; the others it held never started, or finished but
/// their results were lost with it, and run again elsewhere. One store per task, no system call (a status message per
/// task would cost a write(2) each).
/// </summary>
internal sealed unsafe class WorkerSlot : IDisposable
{
    private const int Size = 4096;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long* _word;

    private WorkerSlot(MemoryMappedFile file)
    {
        _file = file;
        _view = file.CreateViewAccessor(0, Size);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _word = (long*)(p + _view.PointerOffset);
    }

    /// <summary>The pool's side: a new slot, and the descriptor to give the worker (close it once the worker has it).</summary>
    public static WorkerSlot Create(out SafeFdHandle forWorker)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The process pool's worker slots use memfd_create (Linux); other platforms are not built yet.");
        }

        forWorker = Interop.MemfdCreate("greenproc-pool-slot");
        return new WorkerSlot(Map(forWorker.Fd));
    }

    /// <summary>The worker's side, on the descriptor it received.</summary>
    public static WorkerSlot Open(int fd) => new(Map(fd));

    /// <summary>The id of the task the worker runs (0: none).</summary>
    public long Running
    {
        get => Volatile.Read(ref *_word);
        set => Volatile.Write(ref *_word, value);
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static MemoryMappedFile Map(int fd)
    {
        // A duplicate the mapping owns (and closes); the caller keeps its own descriptor.
        var handle = new SafeFileHandle(Interop.DupCloseOnExec(fd, 0), ownsHandle: true);
        return MemoryMappedFile.CreateFromFile(handle, null, Size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
    }
}
