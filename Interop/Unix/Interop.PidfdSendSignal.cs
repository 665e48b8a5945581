using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>pidfd_send_signal(2): signals exactly the process the pidfd names, never a recycled pid.</summary>
    [LibraryImport(Libc, EntryPoint = "pidfd_send_signal", SetLastError = true)]
    internal static partial int PidfdSendSignal(int pidfd, int signal, nint info, uint flags);

    /// <summary>pidfd_send_signal on a pidfd's handle, referenced for the call.</summary>
    [LibraryImport(Libc, EntryPoint = "pidfd_send_signal", SetLastError = true)]
    internal static partial int PidfdSendSignal(SafeHandle pidfd, int signal, nint info, uint flags);
}
