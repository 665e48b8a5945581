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

        if (OperatingSystem.IsWindows())
        {
            return new CompletionPortReactor(this);
        }

        return new PollReactor(this);
    }

    private static ReactorKind ResolveReactor(ReactorKind kind)
    {
        if (OperatingSystem.IsWindows())
        {
            // GREENPROC_REACTOR names a Unix reactor; on Windows there is only the one.
            return kind is ReactorKind.Default or ReactorKind.CompletionPort
                ? ReactorKind.CompletionPort
                : throw new PlatformNotSupportedException($"The {kind} reactor exists only on Unix; on Windows a hub waits on a completion port (ReactorKind.CompletionPort or Default).");
        }

        if (kind == ReactorKind.CompletionPort)
        {
            throw new PlatformNotSupportedException("The completion-port reactor exists only on Windows; use ReactorKind.Epoll or Poll.");
        }

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
            throw new PlatformNotSupportedException("GreenProc's hub runs on Windows, Linux, macOS and FreeBSD.");
        }

        return kind;
    }
}
