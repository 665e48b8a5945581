using System;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// What <see cref="GreenSemaphore.LockAsync"/> and <see cref="GreenLock.LockAsync"/> return: disposing it releases
/// the permit or the lock, so <c>using (await sem.LockAsync()) { ... }</c> cannot forget to.
/// </summary>
public readonly struct GreenReleaser : IDisposable
{
    private readonly IReleasable? _target;

    internal GreenReleaser(IReleasable target) => _target = target;

    /// <summary>Releases once (a default instance does nothing).</summary>
    public void Dispose() => _target?.Release();
}
