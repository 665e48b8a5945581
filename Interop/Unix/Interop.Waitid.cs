using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int P_PID = 1;
    internal const int P_PIDFD = 3;
    internal const int WEXITED = 4;
    internal const int WNOHANG = 1;
    internal const int WNOWAIT = 0x01000000;

    internal const int CLD_EXITED = 1;
    internal const int CLD_KILLED = 2;
    internal const int CLD_DUMPED = 3;

    /// <summary>The part of siginfo_t that waitid fills for a child (Linux x86-64/arm64 layout, 128 bytes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct SigInfo
    {
        [FieldOffset(0)] public int Signo;
        [FieldOffset(4)] public int Errno;
        [FieldOffset(8)] public int Code;
        [FieldOffset(16)] public int Pid;
        [FieldOffset(20)] public int Uid;
        [FieldOffset(24)] public int Status;
    }

    /// <summary>waitid(2). With P_PIDFD it waits for exactly one child and never steals another's status.</summary>
    [LibraryImport(Libc, EntryPoint = "waitid", SetLastError = true)]
    internal static unsafe partial int Waitid(int idType, int id, SigInfo* info, int options);
}
