using System;
using System.Diagnostics;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// The end of a wait that takes several steps (read, wait, read again; wait for exit, then for the pipes): made once
/// from the caller's timeout argument, so that each step waits only for what is left. This is the one conversion
/// between timeout arguments and the clock for every layer: the arithmetic used to be copied in five places, and two
/// copies took <see cref="Timeout.InfiniteTimeSpan"/> for a deadline that had already passed.
/// </summary>
/// <remarks>
/// A timeout argument means: null or <see cref="Timeout.InfiniteTimeSpan"/>, no deadline; zero, "only what is
/// ready now"; a positive span, that long from now. Anything else is refused where the argument is taken
/// (<see cref="Start"/>), before any work is done.
/// </remarks>
internal readonly struct Deadline
{
    private const long Never = long.MaxValue;

    private static readonly double s_stopwatchTicksPerTimeSpanTick = (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond;

    // A Stopwatch timestamp, or Never. default(Deadline) has 0, so it is made only through Start or None.
    private readonly long _due;

    private Deadline(TimeSpan? timeout, long due)
    {
        Timeout = timeout;
        _due = due;
    }

    /// <summary>No deadline: every step may wait as long as it takes.</summary>
    public static Deadline None => new(null, Never);

    /// <summary>The timeout the caller gave (null when there is no deadline), for error messages.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Whether there is no deadline.</summary>
    public bool IsNone => _due == Never;

    /// <summary>The Stopwatch timestamp the wait ends at (<see cref="long.MaxValue"/> for none).</summary>
    public long Due => _due;

    /// <summary>Whether the deadline has passed (never, without one).</summary>
    public bool HasPassed => _due != Never && Stopwatch.GetTimestamp() >= _due;

    /// <summary>What is left, as a timeout argument for the next step: null without a deadline, zero once passed.</summary>
    public TimeSpan? Remaining
    {
        get
        {
            if (_due == Never)
            {
                return null;
            }

            long left = _due - Stopwatch.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(left / s_stopwatchTicksPerTimeSpanTick));
        }
    }

    /// <summary>
    /// Starts the deadline of a call that took <paramref name="timeout"/>, checking the argument first.
    /// </summary>
    /// <param name="timeout">The caller's argument.</param>
    /// <param name="paramName">Its name, for the exception.</param>
    /// <returns>The deadline.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public static Deadline Start(TimeSpan? timeout, string paramName = "timeout")
    {
        Validate(timeout, paramName);
        return timeout is { } t && t != System.Threading.Timeout.InfiniteTimeSpan ? new Deadline(t, AfterNow(t)) : None;
    }

    /// <summary>Like <see cref="Start"/> for a call whose span is bounded by this deadline as well (the sooner wins).</summary>
    /// <param name="span">A further limit from now (null or infinite: none).</param>
    /// <returns>The sooner of the two.</returns>
    public Deadline Min(TimeSpan? span)
    {
        Deadline other = Start(span, nameof(span));
        return other._due < _due ? other : this;
    }

    /// <summary>Checks a timeout argument: null, <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>, zero or positive.</summary>
    /// <param name="timeout">The argument.</param>
    /// <param name="paramName">Its name, for the exception.</param>
    /// <exception cref="ArgumentOutOfRangeException">It is negative and not infinite.</exception>
    public static void Validate(TimeSpan? timeout, string paramName)
    {
        if (timeout is { } t && t < TimeSpan.Zero && t != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(paramName, t, "A timeout must be zero or positive, Timeout.InfiniteTimeSpan, or null (no timeout).");
        }
    }

    /// <summary>The Stopwatch timestamp <paramref name="span"/> from now (capped far in the future, never overflowing).</summary>
    /// <param name="span">A span of zero or more.</param>
    /// <returns>The timestamp.</returns>
    public static long AfterNow(TimeSpan span) => Stopwatch.GetTimestamp() + ToStopwatchTicks(span);

    /// <summary>A span in Stopwatch ticks, capped at a quarter of the range so that sums with timestamps cannot overflow.</summary>
    /// <param name="span">A span of zero or more.</param>
    /// <returns>The ticks.</returns>
    public static long ToStopwatchTicks(TimeSpan span)
    {
        double ticks = span.Ticks * s_stopwatchTicksPerTimeSpanTick;
        return ticks >= long.MaxValue / 4 ? long.MaxValue / 4 : (long)ticks;
    }
}
