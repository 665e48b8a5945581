using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int SIGHUP = 1;
    internal const int SIGINT = 2;
    internal const int SIGKILL = 9;
    internal const int SIGPIPE = 13;
    internal const int SIGTERM = 15;
    internal const int SIGCHLD = 17;

    /// <summary>kill(2). A negative pid signals that process group. Used only where no pidfd exists.</summary>
    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
