using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const nint SIG_DFL = 0;
    internal const nint SIG_IGN = 1;

    /// <summary>glibc's struct sigaction (x86-64 and arm64): handler, 128-byte mask, flags, restorer.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 152)]
    internal struct SigAction
    {
        [FieldOffset(0)] public nint Handler;
        [FieldOffset(136)] public int Flags;
        [FieldOffset(144)] public nint Restorer;
    }

    /// <summary>sigaction(2); <paramref name="action"/> may be null to only read the current disposition.</summary>
    [LibraryImport(Libc, EntryPoint = "sigaction", SetLastError = true)]
    internal static unsafe partial int Sigaction(int signal, SigAction* action, SigAction* oldAction);
}
