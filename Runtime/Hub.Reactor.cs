using System;
using GreenProc.Internal;

namespace GreenProc;

// The reactor a hub uses: chosen from the options and GREENPROC_REACTOR, then created.
public sealed partial class Hub
{
    /// <summary>The reactor this hub uses (never <see cref="ReactorKind.Default"/>).</summary>
    public ReactorKind Reactor { get; }

    private IReactor CreateReactor(ReactorKind kind)
    {
        if (kind == ReactorKind.Epoll && OperatingSystem.IsLinux())
        {
            return new EpollReactor(this);
        }

        if (!OperatingSystem.IsWindows())
        {
            return new PollReactor(this);
        }

        throw new PlatformNotSupportedException("GreenProc's hub runs on Linux and other Unix systems; the Windows reactor is not built yet.");
    }

    private static ReactorKind ResolveReactor(ReactorKind kind)
    {
        if (kind == ReactorKind.Default)
        {
            string? env = Environment.GetEnvironmentVariable("GREENPROC_REACTOR");
            if (string.Equals(env, "poll", StringComparison.OrdinalIgnoreCase))
            {
                kind = ReactorKind.Poll;
            }
            else if (string.Equals(env, "epoll", StringComparison.OrdinalIgnoreCase) || OperatingSystem.IsLinux())
            {
                kind = ReactorKind.Epoll;
            }
            else
            {
                kind = ReactorKind.Poll;
            }
        }

        if (kind == ReactorKind.Epoll && !OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The epoll reactor exists only on Linux; use ReactorKind.Poll.");
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("GreenProc's hub runs on Linux and other Unix systems; the Windows reactor is not built yet.");
        }

        return kind;
    }
}
