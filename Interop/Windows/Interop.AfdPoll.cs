using System.Runtime.InteropServices;
using System.Threading;

namespace GreenProc;

internal static partial class Interop
{
    // AFD, the kernel driver under Winsock: IOCTL_AFD_POLL asks it for a socket's readiness and completes, through the
    // completion port of the handle it was issued on, when an asked event is there. This is how wepoll, libuv and mio
    // give Windows sockets readiness without a thread; checked under Wine 8 (docs/DESIGN.md §6).
    internal const int IOCTL_AFD_POLL = 0x00012024;
    internal const int AFD_POLL_RECEIVE = 0x0001;
    internal const int AFD_POLL_RECEIVE_EXPEDITED = 0x0002;
    internal const int AFD_POLL_SEND = 0x0004;
    internal const int AFD_POLL_DISCONNECT = 0x0008;
    internal const int AFD_POLL_ABORT = 0x0010;
    internal const int AFD_POLL_LOCAL_CLOSE = 0x0020;
    internal const int AFD_POLL_ACCEPT = 0x0080;
    internal const int AFD_POLL_CONNECT_FAIL = 0x0100;

    /// <summary>AFD_POLL_INFO with one handle.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct AfdPollInfo
    {
        public long Timeout;
        public int NumberOfHandles;
        public int Exclusive;
        public nint Handle;
        public int Events;
        public int Status;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct UnicodeString
    {
        public ushort Length;
        public ushort MaximumLength;
        public char* Buffer;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct ObjectAttributes
    {
        public int Length;
        public nint RootDirectory;
        public UnicodeString* ObjectName;
        public int Attributes;
        public nint SecurityDescriptor;
        public nint SecurityQualityOfService;
    }

    /// <summary>Opens a handle on the AFD driver to issue polls on (wepoll's and mio's way). Returns the NTSTATUS.</summary>
    internal static unsafe int OpenAfd(out nint handle)
    {
        const string Name = @"\Device\Afd\GreenProc";
        const int SYNCHRONIZE = 0x00100000, FILE_SHARE_READ_WRITE = 3, FILE_OPEN = 1;
        fixed (char* name = Name)
        {
            var unicode = new UnicodeString { Length = (ushort)(Name.Length * 2), MaximumLength = (ushort)(Name.Length * 2), Buffer = name };
            var attributes = new ObjectAttributes { Length = sizeof(ObjectAttributes), ObjectName = &unicode };
            NativeOverlapped status;
            nint h;
            int result = NtCreateFile(&h, SYNCHRONIZE, &attributes, &status, null, 0, FILE_SHARE_READ_WRITE, FILE_OPEN, 0, null, 0);
            handle = result == 0 ? h : 0;
            return result;
        }
    }

    /// <summary>
    /// Issues a poll on <paramref name="afd"/>; <paramref name="status"/> doubles as the IO_STATUS_BLOCK and as the
    /// packet's OVERLAPPED (its first two fields are the same). Returns the NTSTATUS (0x103: pending).
    /// </summary>
    internal static unsafe int AfdPoll(nint afd, NativeOverlapped* status, AfdPollInfo* info)
        => NtDeviceIoControlFile(afd, 0, 0, status, status, IOCTL_AFD_POLL, info, sizeof(AfdPollInfo), info, sizeof(AfdPollInfo));

    [LibraryImport(Libraries.NtDll)]
    private static unsafe partial int NtCreateFile(
        nint* handle, int access, ObjectAttributes* attributes, NativeOverlapped* status, long* allocationSize, int fileAttributes, int share, int disposition, int options, void* ea, int eaLength);

    [LibraryImport(Libraries.NtDll)]
    private static unsafe partial int NtDeviceIoControlFile(
        nint handle, nint ev, nint apcRoutine, void* apcContext, NativeOverlapped* status, int code, void* input, int inputLength, void* output, int outputLength);
}
