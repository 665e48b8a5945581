using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

// Links: callbacks and waiters told, in the order they were added, when the greenlet dies.
public partial class Greenlet
{
    /// <summary>Calls <paramref name="callback"/> on the hub once the greenlet is dead (in link order).</summary>
    /// <param name="callback">Receives the greenlet. Its errors are reported to <see cref="Hub.ErrorHandler"/>.</param>
    public void Link(Action<Greenlet> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        AddLink(callback);
    }

    /// <summary>Like <see cref="Link"/>, but only if the greenlet succeeds (not when it failed or was canceled).</summary>
    /// <param name="callback">Receives the greenlet.</param>
    public void LinkValue(Action<Greenlet> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        AddLink(new FilteredLink(callback, onSuccess: true));
    }

    /// <summary>
    /// Like <see cref="Link"/>, but only if the greenlet fails: a canceled greenlet did not fail (its
    /// <see cref="Exception"/> is null), so this does not run for it; use <see cref="Link"/> and <see cref="IsCanceled"/>.
    /// </summary>
    /// <param name="callback">Receives the greenlet.</param>
    public void LinkException(Action<Greenlet> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        AddLink(new FilteredLink(callback, onSuccess: false));
    }

    /// <summary>Removes the first link made with <paramref name="callback"/> (by any Link method).</summary>
    /// <param name="callback">The callback given to a Link method.</param>
    /// <returns>Whether a link was removed.</returns>
    public bool Unlink(Action<Greenlet> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        EnsureHubThread();
        switch (_links)
        {
            case LinkList list:
                for (int i = 0; i < list.Count; i++)
                {
                    if (IsLinkOf(list[i], callback))
                    {
                        list.RemoveAt(i);
                        return true;
                    }
                }

                return false;
            case { } single when IsLinkOf(single, callback):
                _links = null;
                return true;
            default:
                return false;
        }

        static bool IsLinkOf(object link, Action<Greenlet> callback)
            => (link is Delegate d && d.Equals(callback)) || (link is FilteredLink f && f.Callback.Equals(callback));
    }

    internal void AddLink(object target)
    {
        EnsureHubThread();
        AppendLink(target);
        if (_state == GreenletState.Dead)
        {
            ScheduleNotify();
        }
    }

    internal void RemoveLink(object target)
    {
        if (ReferenceEquals(_links, target))
        {
            _links = null;
        }
        else if (_links is LinkList list)
        {
            int i = list.IndexOf(target);
            if (i >= 0)
            {
                list.RemoveAt(i);
            }
        }
    }

    private void AppendLink(object target)
    {
        switch (_links)
        {
            case null:
                _links = target;
                break;
            case LinkList list:
                list.Add(target);
                break;
            default:
                _links = new LinkList { _links, target };
                break;
        }
    }

    private void ScheduleNotify()
    {
        // Links run from one callback queued at the back of the run queue (DESIGN §2, rule 5).
        if (!_notifyScheduled && _links is not null and not LinkList { Count: 0 })
        {
            _notifyScheduled = true;
            Hub.Enqueue(new WorkItem(s_notifyLinks, this, null));
        }
    }

    private void NotifyLinks()
    {
        _notifyScheduled = false;
        while (_links is { } links)
        {
            // Links added while these run (or after death) start a fresh set and run in this same pass.
            _links = null;
            if (links is LinkList list)
            {
                foreach (object link in list)
                {
                    InvokeLink(link);
                }
            }
            else
            {
                InvokeLink(links);
            }
        }
    }

    private void InvokeLink(object link)
    {
        switch (link)
        {
            case Waiter w:
                w.Wake(null, result: true, from: this);
                break;
            case ILinkTarget t:
                t.OnGreenletReady(this);
                break;
            case FilteredLink f:
                if (f.OnSuccess ? IsSuccessful : Exception is not null) // a cancellation is neither
                {
                    CallUserLink(f.Callback);
                }

                break;
            default:
                CallUserLink((Action<Greenlet>)link);
                break;
        }
    }

    private void CallUserLink(Action<Greenlet> callback)
    {
        try
        {
            callback(this);
        }
        catch (Exception e)
        {
            Hub.ReportError(null, e);
        }
    }

    private sealed class LinkList : List<object>
    {
    }

    private sealed class FilteredLink(Action<Greenlet> callback, bool onSuccess)
    {
        public Action<Greenlet> Callback { get; } = callback;

        public bool OnSuccess { get; } = onSuccess;
    }
}
