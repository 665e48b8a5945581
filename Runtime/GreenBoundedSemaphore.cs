using System;
using System.Threading;

namespace GreenProc;

/// <summary>
/// A <see cref="GreenSemaphore"/> that refuses to be released more times than it was acquired (gevent's
/// <c>BoundedSemaphore</c>): a release above the initial count throws <see cref="SemaphoreFullException"/>.
/// </summary>
public sealed class GreenBoundedSemaphore : GreenSemaphore
{
    /// <summary>Creates a bounded semaphore with <paramref name="initialCount"/> permits, also its maximum.</summary>
    /// <param name="initialCount">Permits available at first, and the most there may ever be.</param>
    public GreenBoundedSemaphore(int initialCount)
        : base(initialCount)
    {
        MaximumCount = initialCount;
    }

    /// <summary>The most permits there may be.</summary>
    public int MaximumCount { get; }

    private protected override void CheckCanRelease(int count)
    {
        if (count >= MaximumCount)
        {
            throw new SemaphoreFullException(
                $"The GreenBoundedSemaphore was released more times than it was acquired (maximum {MaximumCount}); every Release must match an acquire.");
        }
    }
}
