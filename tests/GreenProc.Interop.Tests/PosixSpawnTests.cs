using System;
using System.Runtime.InteropServices;
using System.Text;

namespace GreenProc.NativeTests;

/// <summary>The posix_spawn bindings the subprocess layer builds on: a real child, real fds, reaped by pidfd.</summary>
public unsafe class PosixSpawnTests
{
    [Fact]
    public void A_child_spawned_with_dup2_writes_our_pipe_and_is_reaped_through_its_pidfd()
    {
        SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w, nonBlocking: false);
        using (r)
        using (w)
        {
            int pid = Spawn("/bin/sh", ["/bin/sh", "-c", "echo hi; exit 3"], stdoutFd: w.Fd, out int error);
            Assert.Equal(0, error);
            int pidfd = Interop.PidfdOpen(pid, 0);
            Assert.True(pidfd >= 0);
            try
            {
                w.Dispose(); // the child holds the only write end now: EOF arrives when it exits
                var buf = new byte[16];
                int n;
                fixed (byte* p = buf)
                {
                    n = (int)Interop.Read(r, p, buf.Length);
                }

                Assert.Equal("hi\n", Encoding.ASCII.GetString(buf, 0, n));
                Interop.SigInfo info;
                Assert.Equal(0, Interop.Waitid(Interop.P_PIDFD, pidfd, &info, Interop.WEXITED));
                Assert.Equal(pid, info.Pid);
                Assert.Equal(Interop.CLD_EXITED, info.Code);
                Assert.Equal(3, info.Status);
            }
            finally
            {
                Interop.Close(pidfd);
            }
        }
    }

    [Fact]
    public void A_missing_program_is_reported_as_ENOENT_by_the_spawn_itself()
    {
        int pid = Spawn("/nonexistent/program", ["x"], stdoutFd: -1, out int error);
        Assert.Equal(Interop.ENOENT, error);
        Assert.Equal(0, pid);
    }

    private static int Spawn(string path, string[] argv, int stdoutFd, out int error)
    {
        Interop.PosixSpawnFileActions actions;
        Interop.PosixSpawnAttr attr;
        Interop.SigSet empty, all;
        Assert.Equal(0, Interop.PosixSpawnFileActionsInit(&actions));
        Assert.Equal(0, Interop.PosixSpawnAttrInit(&attr));
        var native = new nint[argv.Length + 1];
        nint pathPtr = Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            if (stdoutFd >= 0)
            {
                Assert.Equal(0, Interop.PosixSpawnFileActionsAddDup2(&actions, stdoutFd, 1));
            }

            Assert.Equal(0, Interop.PosixSpawnFileActionsAddCloseFrom(&actions, 3));
            Interop.SigEmptySet(&empty);
            Interop.SigFillSet(&all);
            Assert.Equal(0, Interop.PosixSpawnAttrSetSigMask(&attr, &empty));
            Assert.Equal(0, Interop.PosixSpawnAttrSetSigDefault(&attr, &all));
            Assert.Equal(0, Interop.PosixSpawnAttrSetFlags(&attr, Interop.POSIX_SPAWN_SETSIGMASK | Interop.POSIX_SPAWN_SETSIGDEF));
            for (int i = 0; i < argv.Length; i++)
            {
                native[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            }

            byte* envp = null;
            int pid = 0;
            fixed (nint* args = native)
            {
                error = Interop.PosixSpawn(&pid, (byte*)pathPtr, &actions, &attr, (byte**)args, &envp);
            }

            return pid;
        }
        finally
        {
            foreach (nint p in native)
            {
                Marshal.FreeCoTaskMem(p);
            }

            Marshal.FreeCoTaskMem(pathPtr);
            Interop.PosixSpawnFileActionsDestroy(&actions);
            Interop.PosixSpawnAttrDestroy(&attr);
        }
    }
}
