using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// The pool's side of one worker process: its pipes, the tasks it holds (sent and not answered, in order: a worker
/// answers in the order it was sent), the tail of its stderr, and the timer that kills it when the task it runs
/// outlives its timeout or a cancellation by more than the grace. Runs on the pool's hub.
/// </summary>
/// <remarks>
/// Invariants: <see cref="Held"/> holds exactly the tasks sent to this worker that have no answer yet, in the order
/// sent; its head is the one the worker runs (or will run next), and <see cref="HeadSince"/> is when it became the head.
/// A worker in <see cref="WorkerState.Dead"/> holds nothing.
/// </remarks>
internal sealed class WorkerHandle
{
    private const int StderrTailBytes = 4096;

    private readonly PoolCore _pool;
    private readonly ResponseCodec _codec;
    private readonly KillTimer _killTimer;
    private readonly byte[] _stderrTail = new byte[StderrTailBytes];
    private int _stderrTailEnd;   // bytes used in _stderrTail
    private int _timedIndex = -1; // the task of the head item the kill timer was armed for (see StillOnTimedTask)
    private long _taskSince;      // when that task was first seen running (Stopwatch)
    private readonly HashSet<int> _defined = new();

    public WorkerHandle(PoolCore pool, int number, GipcProcess process, FrameWriter requests, FrameReader responses, GipcWriter<long> control, WorkerSlot slot)
    {
        _pool = pool;
        Number = number;
        Process = process;
        Requests = requests;
        Responses = responses;
        Control = control;
        Slot = slot;
        _codec = new ResponseCodec(this);
        _killTimer = new KillTimer(this);
    }

    public int Number { get; }

    public int Pid => Process.Pid;

    public GipcProcess Process { get; }

    public FrameWriter Requests { get; }

    public FrameReader Responses { get; }

    public GipcWriter<long> Control { get; }

    public WorkerSlot Slot { get; }

    public WorkerState State { get; set; } = WorkerState.Starting;

    /// <summary>Sent and not answered, in order (see the invariants).</summary>
    public Queue<PoolItem> Held { get; } = new();

    /// <summary>When the head of <see cref="Held"/> became the head (Stopwatch): when it started, as near as the pool knows.</summary>
    public long HeadSince { get; private set; }

    /// <summary>How many tasks were sent to it (for MaxTasksPerWorker).</summary>
    public int Sent { get; set; }

    /// <summary>The initializer's error, when the worker said so before exiting.</summary>
    public GipcRemoteException? InitializerError { get; private set; }

    public ResponseCodec Codec => _codec;

    public bool IsDefined(TaskMethod method) => _defined.Contains(method.Id);

    public void MarkDefined(TaskMethod method) => _defined.Add(method.Id);

    public void Hold(PoolItem item)
    {
        if (Held.Count == 0)
        {
            HeadSince = Stopwatch.GetTimestamp();
        }

        item.Worker = this;
        Held.Enqueue(item);
        _pool.HeldChanged(item.Count);
        ArmKillTimer();
    }

    /// <summary>Takes the oldest item it holds back (answered, or settled after the worker ended).</summary>
    public bool TryUnhold([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PoolItem? item)
    {
        if (!Held.TryDequeue(out item))
        {
            return false;
        }

        _pool.HeldChanged(-item.Count);
        return true;
    }

    /// <summary>The last bytes the worker wrote to stderr, as text (for crash reports).</summary>
    public string StderrTail => Encoding.UTF8.GetString(_stderrTail, 0, _stderrTailEnd).TrimEnd();

    /// <summary>Keeps the last <see cref="StderrTailBytes"/> bytes the worker wrote to stderr.</summary>
    public void AppendStderr(ReadOnlySpan<byte> data)
    {
        if (data.Length >= StderrTailBytes)
        {
            data[^StderrTailBytes..].CopyTo(_stderrTail);
            _stderrTailEnd = StderrTailBytes;
            return;
        }

        int keep = Math.Min(_stderrTailEnd, StderrTailBytes - data.Length);
        _stderrTail.AsSpan(_stderrTailEnd - keep, keep).CopyTo(_stderrTail);
        data.CopyTo(_stderrTail.AsSpan(keep));
        _stderrTailEnd = keep + data.Length;
    }

    /// <summary>The kill is due when the head task's timeout (plus grace) or a cancellation of it (plus grace) passes.</summary>
    public void ArmKillTimer()
    {
        Hub hub = _pool.Hub;
        if (_killTimer.IsArmed)
        {
            hub.Timers.Remove(_killTimer);
        }

        if (State == WorkerState.Dead || !Held.TryPeek(out PoolItem? head))
        {
            return;
        }

        TimeSpan graceSpan = _pool.Options.KillGrace;
        if (graceSpan == System.Threading.Timeout.InfiniteTimeSpan)
        {
            return; // never kill: the task's own cancellation is all there is
        }

        long due = long.MaxValue;
        long grace = Deadline.ToStopwatchTicks(graceSpan);
        if (head.TimeoutTicks > 0)
        {
            due = Math.Max(HeadSince, _taskSince) + Deadline.ToStopwatchTicks(head.Timeout) + grace;
        }

        if (head.CancelRequested && head.KillOnCancel)
        {
            due = Math.Min(due, Math.Max(head.CancelRequestedAt, HeadSince) + grace);
        }

        if (due != long.MaxValue)
        {
            hub.Timers.Add(_killTimer, due);
        }
    }

    public void DisarmKillTimer()
    {
        if (_killTimer.IsArmed)
        {
            _pool.Hub.Timers.Remove(_killTimer);
        }
    }

    /// <summary>
    /// The kill timer fired: true when the task the worker runs now is the one it was armed for (the worker is to be
    /// killed); false when the worker has moved on to another task of the head item since (the slot says so), and the
    /// timer is armed again for that one.
    /// </summary>
    public bool StillOnTimedTask()
    {
        if (!Held.TryPeek(out PoolItem? head) || (head.CancelRequested && head.KillOnCancel) || Slot.Item != head.Id)
        {
            return true;
        }

        int index = Slot.Index;
        if (index == _timedIndex)
        {
            return true;
        }

        _timedIndex = index;
        _taskSince = Stopwatch.GetTimestamp();
        ArmKillTimer();
        return false;
    }

    /// <summary>Kills the worker and everything in its process group (what its tasks started).</summary>
    public void KillGroup()
    {
        try
        {
            Process.Popen.SendSignalToGroup(9);
        }
        catch (Exception e) when (e is NativeIOException or InvalidOperationException)
        {
            // already gone
        }
    }

    private PoolItem TakeHead(long id)
    {
        if (!TryUnhold(out PoolItem? item) || item.Id != id)
        {
            throw new GipcProtocolException($"Worker {Number} (pid {Pid}) answered task {id} out of order: the pool and its worker disagree, or the worker's output is corrupt.");
        }

        item.Worker = null;
        HeadSince = Stopwatch.GetTimestamp();
        _timedIndex = -1;
        _taskSince = 0;
        ArmKillTimer();
        return item;
    }

    /// <summary>Reads a response where the frame lies (no copy): the task it answers is completed right here.</summary>
    internal sealed class ResponseCodec(WorkerHandle worker) : IGipcCodec<byte>
    {
        public void Encode(byte value, IBufferWriter<byte> output) => throw new NotSupportedException();

        public byte Decode(ReadOnlySpan<byte> payload)
        {
            var r = new PoolProtocol.Reader(payload);
            byte kind = r.ReadByte();
            switch (kind)
            {
                case PoolProtocol.Ready:
                    r.ReadInt32();
                    if (worker.State == WorkerState.Starting)
                    {
                        worker.State = WorkerState.Ready;
                    }

                    break;
                case PoolProtocol.Result:
                {
                    PoolItem item = worker.TakeHead(r.ReadInt64());
                    long runTicks = r.ReadInt64();
                    if (r.ReadInt32() != item.Count)
                    {
                        throw new GipcProtocolException($"Worker {worker.Number} answered an item with a wrong count of tasks.");
                    }

                    item.Method.Observe(runTicks / item.Count);
                    item.Answer(r.Rest, worker.Pid, worker._pool);
                    worker._pool.Completed();
                    break;
                }

                case PoolProtocol.InitFailed:
                    worker.InitializerError = RemoteError.Read(r.Rest, worker.Pid);
                    break;
                default:
                    throw new GipcProtocolException($"Worker {worker.Number} sent a response of unknown kind {kind}.");
            }

            return kind;
        }
    }

    private sealed class KillTimer(WorkerHandle worker) : HubTimer
    {
        public override void Fire() => worker._pool.KillForHead(worker);
    }
}

/// <summary>Where a worker is in its life.</summary>
internal enum WorkerState
{
    /// <summary>Started; its initializer has not reported yet (tasks may already be sent: they wait in the pipe).</summary>
    Starting,

    /// <summary>Serving.</summary>
    Ready,

    /// <summary>Told to exit after what it holds (recycled, or the pool is closing): sent nothing more.</summary>
    Retiring,

    /// <summary>Exited or killed; its tasks are settled.</summary>
    Dead,
}
