using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>posix_spawnattr_setsigdefault(3): signals reset to SIG_DFL in the child (with POSIX_SPAWN_SETSIGDEF); .NET ignores SIGPIPE and a child must not inherit that.</summary>
    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
    internal static unsafe partial int PosixSpawnAttrSetSigDefault(PosixSpawnAttr* attributes, SigSet* signals);
}
