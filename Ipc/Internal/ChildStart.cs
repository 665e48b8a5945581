using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace GreenProc.Ipc.Internal;

/// <summary>How StartProcessCore starts a child: the public settings, and those only GreenProc's own children use.</summary>
internal sealed record ChildStart
{
    /// <summary>Kill the child when this process dies (PR_SET_PDEATHSIG through setpriv, Linux).</summary>
    public bool Daemon { get; init; }

    /// <summary>The process's name (default: the target method's).</summary>
    public string? Name { get; init; }

    /// <summary>Start the child as the leader of its own process group, so that a kill of the group reaches what it
    /// started too.</summary>
    public bool NewProcessGroup { get; init; }

    /// <summary>Give the child a pipe for its stderr (read through <see cref="GipcProcess.Popen"/>) instead of ours.</summary>
    public bool CaptureStderr { get; init; }

    /// <summary>More descriptors for the child, after its outcome fd (it finds them in <see cref="ChildHost.ExtraFds"/>).</summary>
    public IReadOnlyList<SafeHandle> ExtraFds { get; init; } = [];
}
