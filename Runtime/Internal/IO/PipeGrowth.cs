using System;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// Grows a busy pipe's kernel buffer from the default (64 KiB) to <see cref="GrownSize"/>, once the pipe has carried
/// <see cref="GrowAfterBytes"/> and is found under pressure: a write that found it full, or a read that filled the
/// caller's whole buffer (more was waiting). A pipe that carries a little, or trickles, keeps its default size.
/// </summary>
/// <remarks>
/// <para>Why: every time a 64 KiB pipe fills or empties, one side sleeps and the other wakes it. For 1 GiB through
/// <c>cat</c> on this 2-vCPU VM, unpinned, that cost GreenProc half of System.Diagnostics.Process's throughput (one
/// hub thread against Process's thread per stream); with 1 MiB pipes it was 1.5× Process (docs/BENCHMARKS.md).</para>
/// <para>Why a budget: Linux charges pipe buffers to the user, and once a user's pipes hold more than
/// /proc/sys/fs/pipe-user-pages-soft (64 MiB by default) every new pipe of that user gets a single page and no pipe
/// of theirs may grow. The pipes grown here hold at most <see cref="ProcessBudgetBytes"/> together (a quarter of the
/// default limit), returned when their stream is disposed. A refusal by the kernel (EPERM: over a limit, or
/// /proc/sys/fs/pipe-max-size below 1 MiB) leaves the pipe as it was.</para>
/// <para>Only on Linux (F_SETPIPE_SZ); elsewhere <see cref="TryCreate"/> gives null. Runs on the stream's hub thread;
/// the budget, and the state that <see cref="Release"/> may change from the thread disposing the stream, are shared.</para>
/// </remarks>
internal sealed class PipeGrowth
{
    /// <summary>The size a busy pipe grows to: the default /proc/sys/fs/pipe-max-size, the most an unprivileged
    /// process may ask for.</summary>
    internal const int GrownSize = 1 << 20;

    /// <summary>Bytes a pipe carries before it may grow: far more than a typical communicate (the 100 × 64 KiB `cat`
    /// case never grows), a millisecond of streaming at pipe speed.</summary>
    internal const long GrowAfterBytes = 1 << 20;

    /// <summary>The most the grown pipes of this process hold together.</summary>
    internal const long ProcessBudgetBytes = 16L << 20;

    // A read that filled less than this is no sign of pressure (a caller reading a header, a line).
    private const int MinPressureRead = 16 * 1024;

    private static long s_budgetUsed;

    private const int Watching = 0, Growing = 1, Grown = 2, Done = 3; // Done: refused, or released; never tries again

    private readonly SafeFdHandle _handle;
    private long _moved;

    // Watching -> Growing -> Grown | Done, and anything -> Done by Release. An int changed by Interlocked: the traffic
    // runs on the stream's hub, but a stream may be disposed from another thread, and the budget must neither leak
    // nor be returned twice.
    private int _state;

    private PipeGrowth(SafeFdHandle handle) => _handle = handle;

    /// <summary>The bytes the grown pipes of this process hold now (for tests).</summary>
    internal static long BudgetUsed => Interlocked.Read(ref s_budgetUsed);

    /// <summary>Whether this pipe has grown.</summary>
    internal bool HasGrown => Volatile.Read(ref _state) == Grown;

    /// <summary>Whether this object still watches the traffic (callers drop it once it does not).</summary>
    internal bool IsWatching => Volatile.Read(ref _state) == Watching;

    /// <summary>A watcher for <paramref name="handle"/>, a pipe end; null where pipes cannot be resized.</summary>
    internal static PipeGrowth? TryCreate(SafeFdHandle handle) => OperatingSystem.IsLinux() ? new PipeGrowth(handle) : null;

    /// <summary>A read moved <paramref name="read"/> bytes into a buffer of <paramref name="bufferLength"/>.</summary>
    internal void OnRead(int read, int bufferLength)
    {
        _moved += read;
        if (read == bufferLength && read >= MinPressureRead && _moved >= GrowAfterBytes)
        {
            Grow();
        }
    }

    /// <summary>A write moved <paramref name="written"/> bytes (0 when it found the pipe full); <paramref name="full"/>
    /// tells whether it found the pipe full.</summary>
    internal void OnWrite(int written, bool full)
    {
        _moved += written;
        if (full && _moved >= GrowAfterBytes)
        {
            Grow();
        }
    }

    /// <summary>Returns this pipe's share of the budget (its stream is being disposed) and stops watching.</summary>
    internal void Release()
    {
        // A grow in flight (Growing) sees the release when it ends and returns the share itself.
        if (Interlocked.Exchange(ref _state, Done) == Grown)
        {
            Interlocked.Add(ref s_budgetUsed, -GrownSize);
        }
    }

    private void Grow()
    {
        if (Interlocked.CompareExchange(ref _state, Growing, Watching) != Watching)
        {
            return;
        }

        bool grown = false;
        if (Interlocked.Add(ref s_budgetUsed, GrownSize) <= ProcessBudgetBytes)
        {
            try
            {
                _handle.SetPipeSize(GrownSize);
                grown = true;
            }
            catch (Exception e) when (e is NativeIOException or ObjectDisposedException)
            {
                // Over the user's pipe limits, or a pipe-max-size below 1 MiB: the pipe keeps its size.
            }
        }

        // Keep the share only if the pipe grew and no Release came meanwhile.
        if (!grown || Interlocked.CompareExchange(ref _state, Grown, Growing) != Growing)
        {
            Interlocked.Exchange(ref _state, Done);
            Interlocked.Add(ref s_budgetUsed, -GrownSize);
        }
    }
}
