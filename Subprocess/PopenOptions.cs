using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace GreenProc.Subprocess;

/// <summary>How to start a child: its standard streams, working directory, environment, extra descriptors, process
/// group and lifetime. Immutable once built (init-only properties).</summary>
public class PopenOptions
{
    /// <summary>The child's stdin (default <see cref="Redirect.Inherit"/>).</summary>
    public Redirect Stdin { get; init; } = Redirect.Inherit;

    /// <summary>The child's stdout (default <see cref="Redirect.Inherit"/>).</summary>
    public Redirect Stdout { get; init; } = Redirect.Inherit;

    /// <summary>The child's stderr (default <see cref="Redirect.Inherit"/>; <see cref="Redirect.Stdout"/> merges it into stdout).</summary>
    public Redirect Stderr { get; init; } = Redirect.Inherit;

    /// <summary>The child's working directory; null keeps this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// The child's whole environment (Python's <c>env</c>); null gives it this process's environment as .NET sees it
    /// (including <see cref="System.Environment.SetEnvironmentVariable(string, string)"/> changes). Names and values
    /// become C strings in the child: a NUL in either, or an '=' in a name, is refused with an
    /// <see cref="ArgumentException"/> when the child is started (here and in <see cref="EnvironmentOverrides"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Changes applied on top of the environment (a null value removes the variable), as CliWrap does.</summary>
    public IReadOnlyDictionary<string, string?>? EnvironmentOverrides { get; init; }

    /// <summary>
    /// Extra descriptors the child receives, by the number it sees (3 and up): <c>{ [3] = handle }</c>. Every other
    /// descriptor above 2 is closed in the child, including ones this process inherited without close-on-exec.
    /// A non-blocking pipe or FIFO is reopened for the child, blocking (as for stdio: the child then owns its mode and
    /// ours does not change); anything else goes as it is, O_NONBLOCK included, for a child written to receive it
    /// (socket activation, a pre-fork server's listening socket) to set the mode it wants.
    /// On Windows, where a child cannot choose its handles' values, each is inherited under the value of a copy made for
    /// the child, and the child finds them in the environment variable <c>GREENPROC_HANDLES</c>
    /// (<c>number=value;...</c>, decimal): GreenProc children (gipc's) read it; another program must read it itself.
    /// </summary>
    public IReadOnlyDictionary<int, SafeHandle>? PassFds { get; init; }

    /// <summary>The program to execute instead of looking up the first argument (which stays the child's argv[0]).</summary>
    public string? Executable { get; init; }

    /// <summary>Start the child as the leader of a new process group (so <see cref="Popen.SendSignalToGroup"/> reaches its descendants).</summary>
    public bool NewProcessGroup { get; init; }

    /// <summary>Start the child in a new session (setsid): no controlling terminal, its own process group.</summary>
    public bool NewSession { get; init; }

    /// <summary>
    /// Kill the child with SIGKILL when its owner goes away: this process dies in any way (SIGKILL included), or the
    /// thread that started the child exits (Linux PR_SET_PDEATHSIG follows the creating thread). Set in the child by
    /// util-linux's <c>setpriv</c> just before the program is executed, followed by a check that the owner process is
    /// still the parent, so an owner that dies during the child's start-up is covered too. Not covered: a starting
    /// thread that exits within the child's first millisecond (before <c>setpriv</c> runs), grandchildren (use
    /// <see cref="NewProcessGroup"/> and signal the group), platforms other than Linux and Windows
    /// (<see cref="PlatformNotSupportedException"/>). Costs two extra execs (setpriv, sh) per start. On Windows the child
    /// joins a kill-on-close job object this process holds until it exits, so the child and everything it starts die
    /// with the process (TerminateProcess included), not with the thread.
    /// </summary>
    public bool KillWithOwner { get; init; }

    /// <summary>
    /// After this process signalled the child and it exited, how long <see cref="Popen.CommunicateAsync"/> still
    /// waits for end of stream on its output pipes before reporting that a grandchild holds them
    /// (<see cref="SubprocessPipesHeldException"/>). Default 250 ms; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>
    /// waits for end of stream as long as it takes (Python's behaviour).
    /// </summary>
    public TimeSpan PipeDrainGrace { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The kernel buffer size for the pipes made for <see cref="Redirect.Pipe"/> streams (Linux F_SETPIPE_SZ, rounded
    /// up to a power-of-two number of pages), fixed for the pipe's life. Null (the default) sizes them by use: each
    /// starts at the kernel's default (64 KiB) and grows to 1 MiB once it has carried 1 MiB and is found under pressure
    /// (a write that finds it full, a read that fills a buffer of 16 KiB or more), so a short exchange costs the user's
    /// pipe quota nothing while a big stream wakes each side 16 times less often (1 GiB through <c>cat</c>: 2.4x the
    /// throughput here). The grown pipes of a process hold at most 16 MiB together, a quarter of Linux's default
    /// per-user soft limit (/proc/sys/fs/pipe-user-pages-soft, past which a user's new pipes get one page), and give
    /// their share back when their stream is disposed. Unprivileged processes are capped by /proc/sys/fs/pipe-max-size
    /// (1 MiB).
    /// </summary>
    public int? PipeSize { get; init; }

    internal static PopenOptions Default { get; } = new();
}
