using System;
using System.Collections.Generic;
using System.IO;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Finds the program to execute the way execvp does (a name with a slash is used as is; otherwise each PATH entry in
/// turn, skipping files that are not executable), but in the caller, so a missing program is a clear exception
/// before anything is spawned.
/// </summary>
internal static class ExecutableResolver
{
    private const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The path to execute, or null with the errno execvp would give (ENOENT, EACCES).</summary>
    public static string? Resolve(string program, string? searchPath, out int errno)
    {
        errno = 0;
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return program; // relative paths resolve against the child's working directory, in the child
        }

        bool sawNonExecutable = false;
        foreach (string dir in (searchPath ?? DefaultPath).Split(':'))
        {
            string candidate = Path.Join(dir.Length == 0 ? "." : dir, program);
            try
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }

                if (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & AnyExecute) != 0)
                {
                    return candidate;
                }

                sawNonExecutable = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                sawNonExecutable = true;
            }
        }

        errno = sawNonExecutable ? Interop.EACCES : Interop.ENOENT;
        return null;
    }

    /// <summary>The PATH the lookup uses: the child's, when its environment sets one, else this process's.</summary>
    public static string? SearchPathFor(IReadOnlyList<string> envp)
    {
        foreach (string entry in envp)
        {
            if (entry.StartsWith("PATH=", StringComparison.Ordinal))
            {
                return entry.Substring(5);
            }
        }

        return null;
    }
}
