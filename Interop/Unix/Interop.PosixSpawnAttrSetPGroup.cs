using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawnattr_setpgroup(3) (with POSIX_SPAWN_SETPGROUP; 0 = a new group led by the child).</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setpgroup")]
    internal static unsafe partial int PosixSpawnAttrSetPGroup(PosixSpawnAttr* attributes, int processGroup);
}
