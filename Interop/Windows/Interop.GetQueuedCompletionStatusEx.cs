using System.Runtime.InteropServices;
using System.Threading;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>OVERLAPPED_ENTRY (minwinbase.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct OverlappedEntry
    {
        public nuint CompletionKey;
        public NativeOverlapped* Overlapped;
        public nuint Internal;
        public uint BytesTransferred;
    }

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool GetQueuedCompletionStatusEx(
        SafeHandle port, OverlappedEntry* entries, uint count, out uint removed, uint milliseconds, [MarshalAs(UnmanagedType.Bool)] bool alertable);
}
