using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    internal const int PIPE_ACCESS_INBOUND = 0x1;
    internal const int PIPE_ACCESS_OUTBOUND = 0x2;
    internal const int PIPE_ACCESS_DUPLEX = 0x3;
    internal const int FILE_FLAG_FIRST_PIPE_INSTANCE = 0x00080000;
    internal const int FILE_FLAG_OVERLAPPED = 0x40000000;
    internal const int PIPE_TYPE_BYTE = 0x0;
    internal const int PIPE_READMODE_BYTE = 0x0;
    internal const int PIPE_WAIT = 0x0;
    internal const int PIPE_REJECT_REMOTE_CLIENTS = 0x8;

    /// <summary>SECURITY_ATTRIBUTES (minwinbase.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SecurityAttributes
    {
        public int Length;
        public nint SecurityDescriptor;
        public int InheritHandle;
    }

    /// <summary>Returns INVALID_HANDLE_VALUE (-1) on failure.</summary>
    [LibraryImport(Libraries.Kernel32, EntryPoint = "CreateNamedPipeW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    internal static unsafe partial nint CreateNamedPipe(
        string name, int openMode, int pipeMode, int maxInstances, int outBufferSize, int inBufferSize, int defaultTimeoutMs, SecurityAttributes* security);
}
