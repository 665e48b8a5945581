using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawnattr_setsigmask(3): the child's signal mask (with POSIX_SPAWN_SETSIGMASK).</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigmask")]
    internal static unsafe partial int PosixSpawnAttrSetSigMask(PosixSpawnAttr* attributes, SigSet* mask);
}
