using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    private const int JobObjectExtendedLimitInformation = 9;
    private const int JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000;

    /// <summary>JOBOBJECT_EXTENDED_LIMIT_INFORMATION (x64 layout: 144 bytes), only the field we set.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 144)]
    private struct ExtendedLimitInformation
    {
        [FieldOffset(16)]
        public int LimitFlags;
    }

    /// <summary>A new unnamed job; with <paramref name="killOnClose"/>, closing its last handle (this process's exit
    /// included) kills every process in it. Returns 0 on failure.</summary>
    internal static unsafe nint CreateJob(bool killOnClose)
    {
        nint job = CreateJobObject(0, 0);
        if (job == 0 || !killOnClose)
        {
            return job;
        }

        var info = new ExtendedLimitInformation { LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE };
        if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, sizeof(ExtendedLimitInformation)))
        {
            int error = Marshal.GetLastPInvokeError();
            CloseHandle(job);
            Marshal.SetLastPInvokeError(error);
            return 0;
        }

        return job;
    }

    [LibraryImport(Libraries.Kernel32, EntryPoint = "CreateJobObjectW", SetLastError = true)]
    private static partial nint CreateJobObject(nint attributes, nint name);

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool SetInformationJobObject(nint job, int infoClass, void* info, int length);

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool AssignProcessToJobObject(nint job, nint process);

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool TerminateJobObject(nint job, int exitCode);
}
