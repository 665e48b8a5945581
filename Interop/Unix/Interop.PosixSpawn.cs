using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawn(3): returns 0 or an errno (it does not set errno). glibc's is vfork-based: no managed code runs in the child.</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawn")]
    internal static unsafe partial int PosixSpawn(int* pid, byte* path, PosixSpawnFileActions* fileActions, PosixSpawnAttr* attributes, byte** argv, byte** envp);
}
