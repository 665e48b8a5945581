using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawn_file_actions_addclose(3).</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addclose")]
    internal static unsafe partial int PosixSpawnFileActionsAddClose(PosixSpawnFileActions* fileActions, int fd);
}
