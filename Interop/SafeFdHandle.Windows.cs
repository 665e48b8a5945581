using System;
using System.Runtime.Versioning;
using System.Security.Principal;

namespace GreenProc;

// Windows: pipes are named pipes (anonymous pipes cannot do overlapped I/O), reachable by the current user only.
public sealed partial class SafeFdHandle
{
    /// <summary>Each direction's buffer. Explicit: a named pipe created with 0 makes every write wait for the reader
    /// (measured under Wine, ../shared/WINE.md trap 4), and 64 KiB is Linux's default pipe size.</summary>
    internal const int WindowsPipeBufferSize = 64 * 1024;

    private static string? s_currentUserDacl;

    /// <summary>Wraps a Windows kernel handle (not a pseudo-handle).</summary>
    [SupportedOSPlatform("windows")]
    internal static SafeFdHandle FromWindowsHandle(nint handle)
    {
        var owned = new SafeFdHandle();
        owned.SetHandle(handle);
        return owned;
    }

    [SupportedOSPlatform("windows")]
    private static void CreateNamedPipePair(out SafeFdHandle readEnd, out SafeFdHandle writeEnd, bool overlapped)
        => CreateNamedPipePair(out readEnd, out writeEnd, overlapped, overlapped, WindowsPipeBufferSize);

    /// <summary>
    /// A named pipe pair whose ends are opened for overlapped I/O or not, each on its own: a child's standard handle
    /// is synchronous (programs expect that), this process's end overlapped (its hub's completion port serves it).
    /// <paramref name="bufferSize"/> is each direction's buffer.
    /// </summary>
    [SupportedOSPlatform("windows")]
    internal static unsafe void CreateNamedPipePair(out SafeFdHandle readEnd, out SafeFdHandle writeEnd, bool readOverlapped, bool writeOverlapped, int bufferSize)
    {
        // Unpredictable (a v4 Guid: 122 random bits) and first-instance-only, so no other process can have created
        // or connect to it first; a protected DACL grants the current user alone; remote clients are refused.
        string name = $@"\\.\pipe\greenproc-{Environment.ProcessId}-{Guid.NewGuid():N}";
        nint descriptor = Interop.SecurityDescriptorFromSddl(CurrentUserDacl(), "ConvertStringSecurityDescriptorToSecurityDescriptor");
        try
        {
            var security = new Interop.SecurityAttributes
            {
                Length = sizeof(Interop.SecurityAttributes),
                SecurityDescriptor = descriptor,
                InheritHandle = 0,
            };
            nint server = Interop.CreateNamedPipe(
                name,
                Interop.PIPE_ACCESS_INBOUND | Interop.FILE_FLAG_FIRST_PIPE_INSTANCE | (readOverlapped ? Interop.FILE_FLAG_OVERLAPPED : 0),
                Interop.PIPE_TYPE_BYTE | Interop.PIPE_READMODE_BYTE | Interop.PIPE_WAIT | Interop.PIPE_REJECT_REMOTE_CLIENTS,
                1,
                bufferSize,
                bufferSize,
                0,
                &security);
            if (server == -1)
            {
                throw Interop.Win32Exception(Interop.LastWin32Error, "CreateNamedPipe");
            }

            readEnd = FromWindowsHandle(server);
            nint client = Interop.CreateFile(
                name,
                Interop.GENERIC_WRITE,
                0,
                &security,
                Interop.OPEN_EXISTING,
                (writeOverlapped ? Interop.FILE_FLAG_OVERLAPPED : 0) | Interop.SECURITY_SQOS_PRESENT | Interop.SECURITY_IDENTIFICATION,
                0);
            if (client == -1)
            {
                int error = Interop.LastWin32Error;
                readEnd.Dispose();
                throw Interop.Win32Exception(error, "CreateFile(pipe client end)");
            }

            writeEnd = FromWindowsHandle(client);
        }
        finally
        {
            Interop.LocalFree(descriptor);
        }
    }

    [SupportedOSPlatform("windows")]
    private static string CurrentUserDacl()
    {
        if (s_currentUserDacl is null)
        {
            using WindowsIdentity identity = WindowsIdentity.GetCurrent();
            string sid = identity.User?.Value
                ?? throw new InvalidOperationException("The current Windows identity has no user SID; GreenProc cannot make a pipe only this user can open.");
            s_currentUserDacl = $"D:P(A;;GA;;;{sid})";
        }

        return s_currentUserDacl;
    }
}
