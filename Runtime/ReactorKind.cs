namespace GreenProc;

/// <summary>The readiness mechanism a hub waits on.</summary>
public enum ReactorKind
{
    /// <summary>
    /// The environment variable <c>GREENPROC_REACTOR</c> (<c>epoll</c> or <c>poll</c>) if set, else epoll on Linux
    /// and poll elsewhere.
    /// </summary>
    Default,

    /// <summary>Linux epoll: O(ready) per wait, registrations kept in the kernel between waits.</summary>
    Epoll,

    /// <summary>poll(2), the portable-Unix reactor: the watched set is passed on every wait.</summary>
    Poll,
}
