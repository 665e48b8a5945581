namespace GreenProc;

/// <summary>The mechanism a hub waits on for I/O: readiness (epoll, poll) on Unix, completions on Windows.</summary>
public enum ReactorKind
{
    /// <summary>
    /// The environment variable <c>GREENPROC_REACTOR</c> (<c>epoll</c> or <c>poll</c>) if set, else epoll on Linux,
    /// a completion port on Windows and poll elsewhere.
    /// </summary>
    Default,

    /// <summary>Linux epoll: O(ready) per wait, registrations kept in the kernel between waits.</summary>
    Epoll,

    /// <summary>poll(2), the portable-Unix reactor: the watched set is passed on every wait.</summary>
    Poll,

    /// <summary>
    /// Windows: an I/O completion port. Reads and writes are overlapped calls the port reports the end of; a pipe
    /// cannot be waited on for readiness (<c>Green.WaitReadAsync</c> on one raises <see cref="System.PlatformNotSupportedException"/>).
    /// </summary>
    CompletionPort,
}
