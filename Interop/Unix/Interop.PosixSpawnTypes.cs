using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const short POSIX_SPAWN_SETPGROUP = 0x02;
    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;
    internal const short POSIX_SPAWN_SETSID = 0x80;

    /// <summary>posix_spawn_file_actions_t: opaque, 80 bytes on glibc (64-bit). Only ever used through a pointer.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 80)]
    internal struct PosixSpawnFileActions
    {
        private long _opaque;
    }

    /// <summary>posix_spawnattr_t: opaque, 336 bytes on glibc (64-bit).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 336)]
    internal struct PosixSpawnAttr
    {
        private long _opaque;
    }

    /// <summary>sigset_t: 1024 bits on glibc.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    internal struct SigSet
    {
        private long _opaque;
    }
}
