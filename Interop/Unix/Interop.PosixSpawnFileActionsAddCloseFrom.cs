using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): closes every fd from lowFd up in the child, so fds this process inherited without CLOEXEC never leak into it.</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    internal static unsafe partial int PosixSpawnFileActionsAddCloseFrom(PosixSpawnFileActions* fileActions, int lowFd);
}
