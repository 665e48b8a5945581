using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawn_file_actions_adddup2(3). dup2 clears FD_CLOEXEC on the new fd, so a passed fd survives exec (when fd == newFd glibc clears the flag itself).</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static unsafe partial int PosixSpawnFileActionsAddDup2(PosixSpawnFileActions* fileActions, int fd, int newFd);
}
