namespace GreenProc.Internal;

/// <summary>
/// A hub's record of one fd it watches: the greenlet waiting to read it, the one waiting to write it, and the
/// reactor's kernel-side state. Lives in the hub's table, indexed by fd number.
/// </summary>
internal sealed class FdRegistration : IWaitSite
{
    public const int Read = 1;
    public const int Write = 2;

    private readonly Hub _hub;

    public FdRegistration(Hub hub, int fd)
    {
        _hub = hub;
        Fd = fd;
    }

    public int Fd { get; }

    /// <summary>
    /// The handle whose disposal the hub hears of, or null for waits by fd number. With a handle, the reactor may
    /// keep the fd armed between waits (it is told before the fd closes); without one it must not.
    /// </summary>
    public SafeFdHandle? Handle { get; set; }

    public Waiter? ReadWaiter { get; set; }

    public Waiter? WriteWaiter { get; set; }

    /// <summary>Directions some greenlet waits for (Read | Write).</summary>
    public int Wanted => (ReadWaiter is null ? 0 : Read) | (WriteWaiter is null ? 0 : Write);

    // Reactor state: the interest mask the kernel holds, whether the kernel knows the fd at all, and (poll) the
    // fd's slot in the watched list.
    public int KernelMask { get; set; }

    public bool InKernel { get; set; }

    public int PollSlot { get; set; } = -1;

    /// <summary>Completion port (Windows): a socket's readiness poll (<c>SocketPoll</c>), or null.</summary>
    public object? PlatformState { get; set; }

    /// <summary>Completion port (Windows): the handle is associated with the hub's port.</summary>
    public bool BoundToPort { get; set; }

    /// <summary>Completion port (Windows): a call that succeeds at once queues no packet
    /// (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS took).</summary>
    public bool SkipsPortOnSuccess { get; set; }

    public void Abandon(Waiter waiter) => _hub.RemoveFdWaiter(this, waiter);

    public string Describe(Waiter waiter)
        => BoundToPort
            ? (waiter.SiteData == Read ? "a read of handle 0x" : "a write to handle 0x") + Fd.ToString("X", System.Globalization.CultureInfo.InvariantCulture)
            : (waiter.SiteData == Read ? "fd " + Fd + " becoming readable" : "fd " + Fd + " becoming writable");
}
