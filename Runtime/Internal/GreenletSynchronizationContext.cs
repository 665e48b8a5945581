using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// The SynchronizationContext a greenlet runs under. Any .NET awaitable (Task, Socket, Task.Delay) captures it and
/// posts its continuation here, so the continuation runs on the hub thread, queued as that greenlet. One per
/// greenlet, because a continuation must resume as the greenlet that awaited, not the one that completed the task.
/// </summary>
internal sealed class GreenletSynchronizationContext : SynchronizationContext
{
    private readonly Hub _hub;
    private readonly Greenlet? _owner;

    public GreenletSynchronizationContext(Greenlet owner)
    {
        _hub = owner.Hub;
        _owner = owner;
    }

    /// <summary>The context of hub callbacks (no greenlet).</summary>
    public GreenletSynchronizationContext(Hub hub) => _hub = hub;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _hub.PostWork(new WorkItem(d, state, _owner));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (_hub.IsHubThread)
        {
            d(state);
            return;
        }

        using var done = new ManualResetEventSlim();
        ExceptionDispatchInfo? error = null;
        _hub.PostWork(new WorkItem((Action)(() =>
        {
            try
            {
                d(state);
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                done.Set();
            }
        }), null, _owner));
        done.Wait();
        error?.Throw();
    }

    public override SynchronizationContext CreateCopy() => this;
}
