using System;
using System.Collections.Generic;
using System.Diagnostics;
using GreenProc.Internal;

namespace GreenProc;

public sealed partial class Hub
{
    // Head of the intrusive list of outputs with accepted, unwritten bytes (see PendingOutput).
    private PendingOutput? _pendingHead;

    /// <summary>Puts <paramref name="output"/> on the list the hub writes out at exit (no-op when it is on it).</summary>
    internal void AddPendingOutput(PendingOutput output)
    {
        if (output.PendingHub is not null)
        {
            Debug.Assert(ReferenceEquals(output.PendingHub, this), "a pending output belongs to one hub");
            return;
        }

        output.PendingHub = this;
        output.PreviousPending = null;
        output.NextPending = _pendingHead;
        if (_pendingHead is not null)
        {
            _pendingHead.PreviousPending = output;
        }

        _pendingHead = output;
    }

    /// <summary>Takes <paramref name="output"/> off the list (nothing is pending any more).</summary>
    internal void RemovePendingOutput(PendingOutput output)
    {
        if (!ReferenceEquals(output.PendingHub, this))
        {
            return;
        }

        if (output.PreviousPending is null)
        {
            _pendingHead = output.NextPending;
        }
        else
        {
            output.PreviousPending.NextPending = output.NextPending;
        }

        if (output.NextPending is not null)
        {
            output.NextPending.PreviousPending = output.PreviousPending;
        }

        output.PreviousPending = output.NextPending = null;
        output.PendingHub = null;
    }

    /// <summary>
    /// Runs when the main greenlet has ended, before the hub is disposed: writes out everything the pending outputs
    /// accepted, blocking this thread in poll(2) on all of their descriptors at once (so readers that take them in any
    /// order are served), each for at most its <see cref="PendingOutput.ExitTimeout"/>.
    /// </summary>
    /// <returns>What was lost and not yet reported (one exception, or an AggregateException of several), or null.</returns>
    /// <remarks>
    /// Greenlets no longer run here (they are abandoned when main ends, as in gevent), so a reader on this same hub
    /// cannot take anything: its writer waits out its timeout and reports the loss. Readers in other processes or on
    /// other threads' hubs are what this serves.
    /// </remarks>
    internal Exception? FlushPendingOutputAtExit()
    {
        if (_pendingHead is null)
        {
            return null;
        }

        var outputs = new List<PendingOutput>();
        for (PendingOutput? o = _pendingHead; o is not null; o = o.NextPending)
        {
            outputs.Add(o);
        }

        var active = new List<PendingOutput>(outputs);
        var fds = new List<SafeFdHandle>();
        long start = Stopwatch.GetTimestamp();
        while (active.Count > 0)
        {
            fds.Clear();
            int timeoutMs = -1;
            long now = Stopwatch.GetTimestamp();
            for (int i = active.Count - 1; i >= 0; i--)
            {
                PendingOutput o = active[i];
                SafeFdHandle? fd = o.WriteAtExit();
                if (fd is null)
                {
                    active.RemoveAt(i);
                    continue;
                }

                TimeSpan limit = o.ExitTimeout;
                if (limit != System.Threading.Timeout.InfiniteTimeSpan)
                {
                    long left = start + Deadline.ToStopwatchTicks(limit) - now;
                    if (left <= 0)
                    {
                        o.AbandonAtExit(Stopwatch.GetElapsedTime(start, now));
                        active.RemoveAt(i);
                        continue;
                    }

                    long ms = ((left * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
                    timeoutMs = timeoutMs < 0 ? (int)Math.Min(ms, int.MaxValue) : (int)Math.Min(timeoutMs, ms);
                }

                fds.Add(fd);
            }

            if (fds.Count > 0)
            {
                if (OperatingSystem.IsWindows())
                {
                    // Windows: an output returns its handle while a write of its is in flight; the port reports it.
                    _reactor.Wait(timeoutMs);
                }
                else
                {
                    // EINTR just ends this wait early: the loop writes again and comes back with what is left of the timeout.
                    FdIO.WaitAny(fds, forWrite: true, timeoutMs);
                }
            }
        }

        var losses = new List<Exception>();
        foreach (PendingOutput o in outputs)
        {
            RemovePendingOutput(o);
            if (o.TakeUnreportedLoss() is { } loss)
            {
                losses.Add(loss);
            }
        }

        return losses.Count switch
        {
            0 => null,
            1 => losses[0],
            _ => new AggregateException("Messages that several writers had accepted were not delivered when the hub ended; see the inner exceptions.", losses),
        };
    }
}
