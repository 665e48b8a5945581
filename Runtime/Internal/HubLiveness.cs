using System;
using System.Diagnostics;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// What the hub's deadlock detection counts: the greenlets that have started and not finished (an intrusive list, which
/// the deadlock report walks), how many of them are parked in a wait, and the wake-ups that can come from outside the
/// hub (armed cancellation tokens, blocking calls not yet posted back). The methods here are the only writers of these
/// counts, and each checks the invariants on entry in Debug builds (as System.Threading.Channels does): a count that
/// drifts makes deadlock detection either miss a deadlock or report one that is not there. The greenlets parked on an fd
/// are counted here too (a readiness wait can be ended by another process). Used on the hub's thread only, so nothing
/// is locked.
/// </summary>
[DebuggerDisplay("live = {Live}, parked = {Parked}, fd waiters = {FdWaiters}, external wake sources = {ExternalWakeSources}")]
internal sealed class HubLiveness
{
    private readonly int _threadId; // the hub's thread: the only one that may change the counts
    private Greenlet? _liveHead; // head of the list of greenlets that have started and not finished
    private int _live; // the length of that list
    private int _parked; // live greenlets with at least one wait active
    private int _externalWakeSources; // armed cancellation registrations, and blocking calls whose end is not posted back yet
    private int _fdWaiters; // waits on an fd registered with the reactor and not yet ended

    public HubLiveness() => _threadId = Environment.CurrentManagedThreadId;

    /// <summary>Greenlets that have started and not finished.</summary>
    public int Live => _live;

    /// <summary>Live greenlets that wait on something.</summary>
    public int Parked => _parked;

    /// <summary>Pending wake-ups that can come from outside the hub (cancellation tokens, blocking calls).</summary>
    public int ExternalWakeSources => _externalWakeSources;

    /// <summary>Greenlets parked on an fd.</summary>
    public int FdWaiters => _fdWaiters;

    /// <summary><see cref="Live"/> read from another thread (metrics): may be one change old.</summary>
    public int LiveAnyThread => Volatile.Read(ref _live);

    /// <summary><see cref="FdWaiters"/> read from another thread (metrics): may be one change old.</summary>
    public int FdWaitersAnyThread => Volatile.Read(ref _fdWaiters);

    /// <summary>The most recently started live greenlet; the others follow through <see cref="Greenlet.NextLive"/>.</summary>
    public Greenlet? FirstLive => _liveHead;

    /// <summary>A greenlet starts running its body.</summary>
    public void GreenletStarted(Greenlet g)
    {
        AssertInvariants();
        _live++;
        g.PreviousLive = null;
        g.NextLive = _liveHead;
        if (_liveHead is not null)
        {
            _liveHead.PreviousLive = g;
        }

        _liveHead = g;
    }

    /// <summary>A running greenlet finishes; <paramref name="wasParked"/>: it still had waits started and never awaited,
    /// which no longer count.</summary>
    public void GreenletFinished(Greenlet g, bool wasParked)
    {
        AssertInvariants();
        _live--;
        if (g.PreviousLive is null)
        {
            _liveHead = g.NextLive;
        }
        else
        {
            g.PreviousLive.NextLive = g.NextLive;
        }

        if (g.NextLive is not null)
        {
            g.NextLive.PreviousLive = g.PreviousLive;
        }

        g.PreviousLive = g.NextLive = null;
        if (wasParked)
        {
            _parked--;
        }
    }

    /// <summary>A running greenlet begins its first active wait.</summary>
    public void GreenletParked()
    {
        AssertInvariants();
        _parked++;
    }

    /// <summary>A running greenlet's last active wait ends.</summary>
    public void GreenletUnparked()
    {
        AssertInvariants();
        _parked--;
    }

    /// <summary>Something outside the hub may now wake a greenlet: a cancellation token is armed, a blocking call starts.</summary>
    public void ExternalWakeSourceAdded()
    {
        AssertInvariants();
        _externalWakeSources++;
    }

    /// <summary>That wake-up can no longer come: the token is disarmed, or the blocking call's end has been posted back.</summary>
    public void ExternalWakeSourceRemoved()
    {
        AssertInvariants();
        _externalWakeSources--;
    }

    /// <summary>A greenlet parks on an fd (the reactor watches it now).</summary>
    public void FdWaitStarted()
    {
        AssertInvariants();
        _fdWaiters++;
    }

    /// <summary>That fd wait ends: ready, closed, timed out, cancelled or killed.</summary>
    public void FdWaitEnded()
    {
        AssertInvariants();
        _fdWaiters--;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Environment.CurrentManagedThreadId == _threadId, "the hub's liveness counts change on the hub's thread only");
        Debug.Assert(_live >= 0, "more greenlets finished than started");
        Debug.Assert(_parked >= 0 && _parked <= _live, "parked greenlets are live greenlets");
        Debug.Assert(_externalWakeSources >= 0, "more outside wake-ups removed than added");
        Debug.Assert(_fdWaiters >= 0, "more fd waits ended than started");
        Debug.Assert((_liveHead is null) == (_live == 0), "the live list and its count agree");
        Debug.Assert(_liveHead?.PreviousLive is null, "the head of the live list has nothing before it");
    }
}
