using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using GreenProc.Internal;
using Microsoft.Win32.SafeHandles;

namespace GreenProc.Subprocess.Internal;

// Windows: CreateProcess with an explicit inherited-handle list (STARTUPINFOEX + PROC_THREAD_ATTRIBUTE_HANDLE_LIST).
internal static unsafe partial class ProcessSpawner
{
    // The job every KillWithOwner child joins: kill-on-close, never closed here, so this process's exit (however it
    // ends, TerminateProcess included) closes it and kills them. One for the process: a job per child would die with
    // the child's Popen instead.
    private static nint s_ownerJob;

    // Wine 8 once failed a CreateProcess with ERROR_INTERNAL_ERROR in one full run of the Windows suite of about eight
    // (the same start passed in every other run, and 8 of 8 alone); nothing was started, so trying again is safe.
    // Native Windows does not answer CreateProcess so; the attempts bound it if it ever does for good.
    private const int ERROR_INTERNAL_ERROR = 1359;
    private const int CreateAttempts = 3;

    /// <summary>
    /// Starts <paramref name="commandLine"/>; returns null with <paramref name="error"/> (a Win32 error) when CreateProcess
    /// fails. The child inherits exactly its standard handles: each is duplicated as inheritable for this call only and
    /// named in the handle list, so it inherits nothing else, and a process started meanwhile by code that passes no list
    /// (System.Diagnostics.Process) could inherit these duplicates only during this one call.
    /// </summary>
    [SupportedOSPlatform("windows")]
    public static IChildProcess? StartWindows(
        string? applicationName, string commandLine, string[] envp, string? cwd, nint[] stdio, List<(int Number, nint Handle)> passed, bool ownJob, bool killWithOwner, out int error)
    {
        var inheritable = new List<nint>(3);
        nint* childStdio = stackalloc nint[3];
        nint attributes = 0;
        nint job = 0;
        try
        {
            for (int i = 0; i < 3; i++)
            {
                childStdio[i] = InheritableCopy(stdio, i, childStdio, inheritable);
            }

            // A GREENPROC_HANDLES this process got from its own parent names handles of this process, not of the child.
            envp = [.. System.Linq.Enumerable.Where(envp, e => !e.StartsWith(InheritedHandles.EnvironmentVariable + "=", StringComparison.OrdinalIgnoreCase))];
            if (passed.Count > 0)
            {
                // PassFds: each handle inherited under the value of its copy, which the child reads from GREENPROC_HANDLES.
                var named = new List<(int Number, nint Handle)>(passed.Count);
                foreach ((int number, nint handle) in passed)
                {
                    if (!Interop.DuplicateHandle(Interop.CurrentProcess, handle, Interop.CurrentProcess, out nint copy, 0, true, Interop.DUPLICATE_SAME_ACCESS))
                    {
                        throw Interop.Win32Exception(Interop.LastWin32Error, $"DuplicateHandle(PassFds {number})");
                    }

                    inheritable.Add(copy);
                    named.Add((number, copy));
                }

                envp = [.. envp, InheritedHandles.EnvironmentVariable + "=" + InheritedHandles.Format(named)];
            }

            attributes = HandleList(inheritable);
            var startup = new Interop.StartupInfoEx { AttributeList = attributes };
            startup.StartupInfo.Cb = sizeof(Interop.StartupInfoEx);
            startup.StartupInfo.Flags = Interop.STARTF_USESTDHANDLES;
            startup.StartupInfo.StdInput = childStdio[0];
            startup.StartupInfo.StdOutput = childStdio[1];
            startup.StartupInfo.StdError = childStdio[2];

            bool needJob = ownJob || killWithOwner;
            int flags = Interop.CREATE_UNICODE_ENVIRONMENT | Interop.EXTENDED_STARTUPINFO_PRESENT
                | (ownJob ? Interop.CREATE_NEW_PROCESS_GROUP : 0)
                | (needJob ? Interop.CREATE_SUSPENDED : 0); // in its jobs before it runs a single instruction
            char[] line = (commandLine + "\0").ToCharArray(); // CreateProcessW may write into it
            char[] block = EnvironmentBlock(envp);
            Interop.ProcessInformation info = default;
            bool started = false;
            error = 0;
            for (int attempt = 0; attempt < CreateAttempts && !started; attempt++)
            {
                fixed (char* linePointer = line)
                fixed (char* blockPointer = block)
                {
                    started = Interop.CreateProcess(
                        applicationName, linePointer, 0, 0, inheritable.Count > 0, flags, blockPointer, cwd, &startup, &info);
                }

                error = started ? 0 : Interop.LastWin32Error;
                if (error != ERROR_INTERNAL_ERROR)
                {
                    break;
                }
            }

            if (!started)
            {
                return null;
            }

            var process = new SafeProcessHandle(info.Process, ownsHandle: true);
            try
            {
                // The shared owner job first: a process already in a job may join another only if that one is empty (it
                // then nests inside), and the owner job holds every KillWithOwner child; its own job is new and empty.
                if (killWithOwner)
                {
                    Join(OwnerJob(), info.Process);
                }

                if (ownJob)
                {
                    job = Interop.CreateJob(killOnClose: false);
                    Join(job, info.Process);
                }

                if (needJob && Interop.ResumeThread(info.Thread) == -1)
                {
                    throw Interop.Win32Exception(Interop.LastWin32Error, "ResumeThread");
                }
            }
            catch
            {
                Interop.TerminateProcess(process, 1);
                process.Dispose();
                if (job != 0)
                {
                    Interop.CloseHandle(job);
                }

                throw;
            }
            finally
            {
                Interop.CloseHandle(info.Thread);
            }

            error = 0;
            return new WindowsChildProcess(process, info.ProcessId, job);
        }
        finally
        {
            foreach (nint handle in inheritable)
            {
                Interop.CloseHandle(handle);
            }

            if (attributes != 0)
            {
                Interop.DeleteProcThreadAttributeList(attributes);
                NativeMemory.Free((void*)attributes);
            }
        }
    }

    private static nint InheritableCopy(nint[] stdio, int i, nint* done, List<nint> inheritable)
    {
        if (stdio[i] == 0)
        {
            return 0;
        }

        for (int j = 0; j < i; j++)
        {
            if (stdio[j] == stdio[i])
            {
                return done[j]; // stderr into stdout: one handle, listed once
            }
        }

        if (!Interop.DuplicateHandle(Interop.CurrentProcess, stdio[i], Interop.CurrentProcess, out nint copy, 0, true, Interop.DUPLICATE_SAME_ACCESS))
        {
            throw Interop.Win32Exception(Interop.LastWin32Error, $"DuplicateHandle(stdio {i})");
        }

        inheritable.Add(copy);
        return copy;
    }

    /// <summary>An attribute list naming the only handles the child inherits (0 when there are none).</summary>
    private static nint HandleList(List<nint> handles)
    {
        nint size = 0;
        Interop.InitializeProcThreadAttributeList(0, 1, 0, ref size); // the size query "fails" with the size
        nint list = (nint)NativeMemory.Alloc((nuint)size + ((nuint)handles.Count * (nuint)sizeof(nint)));
        if (!Interop.InitializeProcThreadAttributeList(list, 1, 0, ref size))
        {
            int e = Interop.LastWin32Error;
            NativeMemory.Free((void*)list);
            throw Interop.Win32Exception(e, "InitializeProcThreadAttributeList");
        }

        // The handle array must outlive the list: it sits in the same allocation, after the list.
        nint* array = (nint*)(list + size);
        for (int i = 0; i < handles.Count; i++)
        {
            array[i] = handles[i];
        }

        if (handles.Count > 0
            && !Interop.UpdateProcThreadAttribute(list, 0, Interop.PROC_THREAD_ATTRIBUTE_HANDLE_LIST, (nint)array, handles.Count * sizeof(nint), 0, 0))
        {
            int e = Interop.LastWin32Error;
            Interop.DeleteProcThreadAttributeList(list);
            NativeMemory.Free((void*)list);
            throw Interop.Win32Exception(e, "UpdateProcThreadAttribute(HANDLE_LIST)");
        }

        return list;
    }

    /// <summary>The UTF-16 environment block: "name=value\0" entries sorted by name, case-insensitively, then "\0".</summary>
    private static char[] EnvironmentBlock(string[] envp)
    {
        var sorted = (string[])envp.Clone();
        Array.Sort(sorted, static (a, b) => string.Compare(Name(a), Name(b), StringComparison.OrdinalIgnoreCase));
        var block = new StringBuilder();
        foreach (string entry in sorted)
        {
            block.Append(entry).Append('\0');
        }

        if (sorted.Length == 0)
        {
            block.Append('\0'); // an empty block is two NULs
        }

        block.Append('\0');
        return block.ToString().ToCharArray();

        static string Name(string entry) => entry.Substring(0, Math.Max(0, entry.IndexOf('=', 1)));
    }

    private static void Join(nint job, nint process)
    {
        if (job == 0 || !Interop.AssignProcessToJobObject(job, process))
        {
            throw Interop.Win32Exception(Interop.LastWin32Error, "AssignProcessToJobObject");
        }
    }

    private static nint OwnerJob()
    {
        if (s_ownerJob == 0)
        {
            nint job = Interop.CreateJob(killOnClose: true);
            if (job == 0)
            {
                throw Interop.Win32Exception(Interop.LastWin32Error, "CreateJobObject(kill on close)");
            }

            if (System.Threading.Interlocked.CompareExchange(ref s_ownerJob, job, 0) != 0)
            {
                Interop.CloseHandle(job);
            }
        }

        return s_ownerJob;
    }
}
