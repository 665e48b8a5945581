using System;

namespace GreenProc.Internal;

/// <summary>
/// The readiness source behind a hub: epoll on Linux, poll(2) on portable Unix. Called only from the hub thread,
/// except <see cref="Wake"/>.
/// </summary>
internal interface IReactor : IDisposable
{
    /// <summary>The set of directions waited for on <paramref name="registration"/> changed.</summary>
    void Update(FdRegistration registration);

    /// <summary>The fd is about to close: drop every trace of it from the kernel.</summary>
    void Remove(FdRegistration registration);

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: forever) and reports readiness through <see cref="Hub.OnFdReady"/>.</summary>
    void Wait(int timeoutMs);

    /// <summary>Interrupts a blocked <see cref="Wait"/>. Any thread.</summary>
    void Wake();
}
