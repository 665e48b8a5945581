namespace GreenProc.Subprocess.Internal;

/// <summary>
/// A process that inherited SIGCHLD = SIG_IGN (or SA_NOCLDWAIT) has every child reaped by the kernel: neither GreenProc
/// nor System.Diagnostics.Process could read an exit status. Before the first spawn, an inherited SIG_IGN is reset to
/// SIG_DFL. A handler someone installed (the .NET runtime's own, once Process is used) is left alone.
/// </summary>
internal static unsafe class SigChldGuard
{
    private const int SA_NOCLDWAIT = 2;
    private static volatile bool s_checked;

    public static void EnsureDefault()
    {
        if (s_checked)
        {
            return;
        }

        Interop.SigAction current;
        if (Interop.Sigaction(Interop.SIGCHLD, null, &current) == 0
            && (current.Handler == Interop.SIG_IGN || (current.Handler == Interop.SIG_DFL && (current.Flags & SA_NOCLDWAIT) != 0)))
        {
            Interop.SigAction dfl = default;
            dfl.Handler = Interop.SIG_DFL;
            Interop.Sigaction(Interop.SIGCHLD, &dfl, null);
        }

        s_checked = true;
    }
}
