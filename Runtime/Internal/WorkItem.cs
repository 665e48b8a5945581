using System;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// One entry of the hub's run queue: a callback, its state, and the greenlet it runs as (null for hub callbacks).
/// A struct so that queuing a continuation allocates nothing.
/// </summary>
internal readonly struct WorkItem
{
    /// <summary>An <see cref="Action{T}"/> of object, an <see cref="Action"/>, or a <see cref="SendOrPostCallback"/>.</summary>
    public readonly object Callback;

    public readonly object? State;

    public readonly Greenlet? Owner;

    public WorkItem(object callback, object? state, Greenlet? owner)
    {
        Callback = callback;
        State = state;
        Owner = owner;
    }

    public void Invoke()
    {
        switch (Callback)
        {
            case Action a: // a yielded greenlet's continuation, the most frequent item
                a();
                break;
            case Action<object?> a:
                a(State);
                break;
            default:
                ((SendOrPostCallback)Callback)(State);
                break;
        }
    }
}
