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
                // From Head on: the links before it have already run (their slots are null).
                for (int i = list.Head; i < list.Count; i++)
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
            int i = list.IndexOf(target, list.Head);
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
        if (!_notifyScheduled && _links is not null and not LinkList { Pending: 0 })
        {
            _notifyScheduled = true;
            Hub.Enqueue(new WorkItem(s_notifyLinks, this, null));
        }
    }

    private void NotifyLinks()
    {
        _notifyScheduled = false;

        // gevent's _notify_links: each link leaves the list just before it runs, and the rest stay in _links while it
        // runs. So a link can unlink a later one (which then never runs: Unlink and a join waiter's Abandon find it),
        // unlinking one that already ran finds nothing, and links added meanwhile are appended and run in this pass.
        while (_links is { } links)
        {
            object link;
            if (links is not LinkList list)
            {
                _links = null;
                link = links;
            }
            else if (list.Head < list.Count)
            {
                link = list[list.Head];
                list[list.Head++] = null!; // consumed: no longer found by Unlink, and not kept alive by us
            }
            else
            {
                _links = null; // drained; a link added from now on starts a fresh set
                continue;
            }

            InvokeLink(link);
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

    /// <summary>
    /// Two or more links. Invariant: <see cref="Head"/> is 0 except while <see cref="NotifyLinks"/> drains the list;
    /// the slots before it are null (links that have run), those from it on are the links still due.
    /// </summary>
    private sealed class LinkList : List<object>
    {
        /// <summary>The next link to run while the list is being drained (links leave from the front, as in gevent).</summary>
        public int Head;

        /// <summary>Links not yet run.</summary>
        public int Pending => Count - Head;
    }

    private sealed class FilteredLink(Action<Greenlet> callback, bool onSuccess)
    {
        public Action<Greenlet> Callback { get; } = callback;

        public bool OnSuccess { get; } = onSuccess;
    }
}
