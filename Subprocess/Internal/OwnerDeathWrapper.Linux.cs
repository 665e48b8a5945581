using System;
using System.Globalization;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// KillWithOwner: PR_SET_PDEATHSIG must be set in the child, after fork and before exec, where no managed code may
/// run. util-linux's <c>setpriv --pdeathsig KILL</c> sets it and execs the next program. That leaves a window: an
/// owner that dies before setpriv's prctl runs (its start-up, about a millisecond) never signals the child. So the
/// next program is <c>sh</c>, which checks that its parent is still this process (getppid changes when the owner
/// process is gone) and only then execs the real program:
/// <c>setpriv --pdeathsig KILL -- /bin/sh -c 'check; exec "$0" "$@"' /path/to/program args...</c>.
/// </summary>
internal static class OwnerDeathWrapper
{
    private static readonly Lazy<string?> s_setpriv = new(() =>
        ExecutableResolver.Resolve("setpriv", Environment.GetEnvironmentVariable("PATH") + ":/usr/bin:/bin", out _));

    public static (string Path, string[] Argv) Wrap(string path, string[] argv)
    {
        string setpriv = s_setpriv.Value ?? throw new PlatformNotSupportedException(
            "KillWithOwner needs util-linux's 'setpriv' (apt-get install util-linux) to set PR_SET_PDEATHSIG in the child; it was not found on PATH.");

        // $PPID is the parent's process id (not its thread's), read when sh starts, after the prctl: if the owner
        // process died in between, the child was reparented and must not run on.
        string check = string.Create(CultureInfo.InvariantCulture,
            $"[ \"$PPID\" = {Environment.ProcessId} ] || kill -KILL $$; exec \"$0\" \"$@\"");
        var wrapped = new string[argv.Length + 7];
        wrapped[0] = "setpriv";
        wrapped[1] = "--pdeathsig";
        wrapped[2] = "KILL";
        wrapped[3] = "--";
        wrapped[4] = "/bin/sh";
        wrapped[5] = "-c";
        wrapped[6] = check;
        wrapped[7] = path;
        Array.Copy(argv, 1, wrapped, 8, argv.Length - 1);
        return (setpriv, wrapped);
    }
}
