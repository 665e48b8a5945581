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

    /// <summary>waitid(P_PIDFD, <paramref name="pidfd"/>, ...); the handle is referenced for the call.</summary>
    internal static unsafe int Waitid(SafeHandle pidfd, SigInfo* info, int options) => WaitidHandle(P_PIDFD, pidfd, info, options);

    // id_t is 32 bits; the handle's value travels in a full register, whose upper half the callee ignores (x86-64, arm64).
    [LibraryImport(Libc, EntryPoint = "waitid", SetLastError = true)]
    private static unsafe partial int WaitidHandle(int idType, SafeHandle id, SigInfo* info, int options);
}
