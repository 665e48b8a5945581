using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawn_file_actions_addchdir_np (glibc 2.29+).</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    internal static unsafe partial int PosixSpawnFileActionsAddChdir(PosixSpawnFileActions* fileActions, byte* path);
}
