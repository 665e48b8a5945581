using System;
using System.Runtime.InteropServices;
using System.Text;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// posix_spawn with file actions and attributes. glibc implements it with clone(CLONE_VM | CLONE_VFORK) and reports
/// exec failures through the return value, so no managed code ever runs in the child between fork and exec and an
/// ENOENT/EACCES surfaces here, in the caller.
/// </summary>
internal static unsafe partial class ProcessSpawner
{
    /// <summary>Starts the child; null with the errno when it could not be executed.</summary>
    public static IChildProcess? Start(SpawnRequest request, out int errno)
    {
        int pid = Spawn(request);
        errno = pid < 0 ? -pid : 0;
        return pid < 0 ? null : new UnixChildProcess(pid);
    }

    /// <summary>Spawns the child; returns its pid, or a negative errno.</summary>
    private static int Spawn(SpawnRequest request)
    {
        SigChldGuard.EnsureDefault();

        // One native block holds argv, envp and every string they point to: two allocations would be freed the same way.
        byte* block = MarshalBlock(request, out byte** argv, out byte** envp, out byte* path, out byte* cwd);
        Interop.PosixSpawnFileActions actions;
        Interop.PosixSpawnAttr attributes;
        bool actionsReady = false;
        bool attributesReady = false;
        try
        {
            Check(Interop.PosixSpawnFileActionsInit(&actions));
            actionsReady = true;
            AddFileActions(request, &actions, cwd);
            Check(Interop.PosixSpawnAttrInit(&attributes));
            attributesReady = true;
            SetAttributes(request, &attributes);

            int pid;
            int error = Interop.PosixSpawn(&pid, path, &actions, &attributes, argv, envp);
            return error == 0 ? pid : -error;
        }
        finally
        {
            if (attributesReady)
            {
                Interop.PosixSpawnAttrDestroy(&attributes);
            }

            if (actionsReady)
            {
                Interop.PosixSpawnFileActionsDestroy(&actions);
            }

            NativeMemory.Free(block);
        }
    }

    /// <summary>The child's descriptors (the map's dup2s, every other one closed) and its working directory.</summary>
    private static void AddFileActions(SpawnRequest request, Interop.PosixSpawnFileActions* actions, byte* cwd)
    {
        foreach ((int source, int target) in request.FdMap)
        {
            // dup2 onto itself is legal here: glibc (2.29+) then clears FD_CLOEXEC on that descriptor in the child.
            Check(Interop.PosixSpawnFileActionsAddDup2(actions, source, target));
        }

        // Close the gaps below the highest passed descriptor, then everything above it: descriptors this process
        // inherited without close-on-exec (from its own parent) must not leak into every child.
        for (int fd = 3; fd <= request.MaxChildFd; fd++)
        {
            if (!IsTarget(request, fd))
            {
                Check(Interop.PosixSpawnFileActionsAddClose(actions, fd));
            }
        }

        Check(Interop.PosixSpawnFileActionsAddCloseFrom(actions, request.MaxChildFd + 1));
        if (cwd is not null)
        {
            Check(Interop.PosixSpawnFileActionsAddChdir(actions, cwd));
        }
    }

    /// <summary>The child's signal mask and dispositions, and its session or process group.</summary>
    private static void SetAttributes(SpawnRequest request, Interop.PosixSpawnAttr* attributes)
    {
        // Children start with an empty signal mask and default dispositions: .NET ignores SIGPIPE and blocks
        // signals on some threads, and a child must not inherit either.
        short flags = Interop.POSIX_SPAWN_SETSIGMASK | Interop.POSIX_SPAWN_SETSIGDEF;
        Interop.SigSet set;
        Check(Interop.SigEmptySet(&set));
        Check(Interop.PosixSpawnAttrSetSigMask(attributes, &set));
        Check(Interop.SigFillSet(&set));

        // glibc's sigfillset leaves out its two internal signals (32, 33), and posix_spawn then sets them to SIG_IGN
        // in the child, which survives exec. Set their bits by hand so the child starts with nothing ignored.
        ((byte*)&set)[3] |= 0x80; // signal 32: bit 31
        ((byte*)&set)[4] |= 0x01; // signal 33: bit 32
        Check(Interop.PosixSpawnAttrSetSigDefault(attributes, &set));
        if (request.NewSession)
        {
            flags |= Interop.POSIX_SPAWN_SETSID;
        }
        else if (request.NewProcessGroup)
        {
            flags |= Interop.POSIX_SPAWN_SETPGROUP;
            Check(Interop.PosixSpawnAttrSetPGroup(attributes, 0));
        }

        Check(Interop.PosixSpawnAttrSetFlags(attributes, flags));
    }

    private static bool IsTarget(SpawnRequest request, int fd)
    {
        foreach ((_, int target) in request.FdMap)
        {
            if (target == fd)
            {
                return true;
            }
        }

        return false;
    }

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw Interop.ErrnoException(error, "posix_spawn setup");
        }
    }

    private static byte* MarshalBlock(SpawnRequest request, out byte** argv, out byte** envp, out byte* path, out byte* cwd)
    {
        string[] a = request.Argv;
        string[] e = request.Envp;
        nuint pointers = (nuint)(a.Length + 1 + e.Length + 1) * (nuint)sizeof(byte*);
        nuint bytes = Size(request.Path) + (request.WorkingDirectory is null ? 0 : Size(request.WorkingDirectory));
        foreach (string s in a)
        {
            bytes += Size(s);
        }

        foreach (string s in e)
        {
            bytes += Size(s);
        }

        byte* block = (byte*)NativeMemory.Alloc(pointers + bytes);
        byte** table = (byte**)block;
        byte* next = block + pointers;
        argv = table;
        for (int i = 0; i < a.Length; i++)
        {
            argv[i] = Put(a[i], ref next);
        }

        argv[a.Length] = null;
        envp = table + a.Length + 1;
        for (int i = 0; i < e.Length; i++)
        {
            envp[i] = Put(e[i], ref next);
        }

        envp[e.Length] = null;
        path = Put(request.Path, ref next);
        cwd = request.WorkingDirectory is null ? null : Put(request.WorkingDirectory, ref next);
        return block;

        static nuint Size(string s) => (nuint)Encoding.UTF8.GetMaxByteCount(s.Length) + 1;

        static byte* Put(string s, ref byte* next)
        {
            byte* start = next;
            int n = Encoding.UTF8.GetBytes(s, new Span<byte>(next, Encoding.UTF8.GetMaxByteCount(s.Length)));
            next[n] = 0;
            next += n + 1;
            return start;
        }
    }
}
