using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Internal;

/// <summary>
/// One <see cref="Green.RunBlocking{T}"/>: the work runs on a thread-pool thread and posts its end back to the hub,
/// where the waiting greenlet is woken. Until it posts, the hub counts it as an outside wake source.
/// </summary>
internal sealed class BlockingCall<T> : IThreadPoolWorkItem, IWaitSite
{
    private static readonly Action<object?> s_completeOnHub = static s => ((BlockingCall<T>)s!).CompleteOnHub();

    private readonly Hub _hub;
    private readonly Func<T> _func;
    private Waiter? _waiter;
    private T? _result;
    private ExceptionDispatchInfo? _error;

    public BlockingCall(Hub hub, Func<T> func)
    {
        _hub = hub;
        _func = func;
    }

    public ValueTask Start(Greenlet owner, CancellationToken cancellationToken)
    {
        Waiter w = _hub.BeginWait(owner, this);
        _waiter = w;
        _hub.Liveness.ExternalWakeSourceAdded();
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        w.ArmCancellation(cancellationToken);
        return w.AsValueTask();
    }

    public T GetResult()
    {
        _error?.Throw();
        return _result!;
    }

    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            _result = _func();
        }
        catch (Exception e)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }

        _hub.PostWork(new WorkItem(s_completeOnHub, this, null));
    }

    private void CompleteOnHub()
    {
        _hub.Liveness.ExternalWakeSourceRemoved();
        Waiter? w = _waiter;
        _waiter = null;
        w?.Wake(null, result: true, from: this);
    }

    // Killed, timed out or cancelled: the work runs on, but nobody waits for it.
    void IWaitSite.Abandon(Waiter waiter) => _waiter = null;

    string IWaitSite.Describe(Waiter waiter) => "a blocking call on the thread pool";
}
