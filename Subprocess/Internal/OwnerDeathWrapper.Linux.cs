using System;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// KillWithOwner: PR_SET_PDEATHSIG must be set in the child, after fork and before exec, where no managed code may
/// run. util-linux's <c>setpriv --pdeathsig KILL</c> does exactly that and then execs the program, so the child is
/// started as <c>setpriv --pdeathsig KILL -- /path/to/program args...</c>.
/// </summary>
internal static class OwnerDeathWrapper
{
    private static readonly Lazy<string?> s_setpriv = new(() =>
        ExecutableResolver.Resolve("setpriv", Environment.GetEnvironmentVariable("PATH") + ":/usr/bin:/bin", out _));

    public static (string Path, string[] Argv) Wrap(string path, string[] argv)
    {
        string setpriv = s_setpriv.Value ?? throw new PlatformNotSupportedException(
            "KillWithOwner needs util-linux's 'setpriv' (apt-get install util-linux) to set PR_SET_PDEATHSIG in the child; it was not found on PATH.");
        var wrapped = new string[argv.Length + 4];
        wrapped[0] = "setpriv";
        wrapped[1] = "--pdeathsig";
        wrapped[2] = "KILL";
        wrapped[3] = "--";
        wrapped[4] = path;
        Array.Copy(argv, 1, wrapped, 5, argv.Length - 1);
        return (setpriv, wrapped);
    }
}
