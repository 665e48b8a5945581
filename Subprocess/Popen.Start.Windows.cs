using System;
using System.IO;
using System.Runtime.Versioning;
using GreenProc.Subprocess.Internal;

namespace GreenProc.Subprocess;

// Starting a child on Windows: CreateProcess with an explicit inherited-handle list, stdio over named pipes.
public sealed partial class Popen
{
    [SupportedOSPlatform("windows")]
    private static Popen StartWindows(string[] argv, PopenOptions options)
    {
        string[] envp = BuildEnvironment(options);
        return Launch(argv, options, plan =>
            ProcessSpawner.StartWindows(
                    options.Executable,
                    WindowsCommandLine.Join(argv),
                    envp,
                    options.WorkingDirectory,
                    plan.BuildWindows(options),
                    plan.PassedWindows(options),
                    ownJob: options.NewProcessGroup || options.NewSession,
                    killWithOwner: options.KillWithOwner,
                    out int error)
                ?? throw StartFailureWindows(argv, options.Executable ?? argv[0], error, options.WorkingDirectory));
    }

    private static ProcessStartException StartFailureWindows(string[] args, string program, int error, string? cwd)
    {
        const int ERROR_PATH_NOT_FOUND = 3, ERROR_BAD_EXE_FORMAT = 193, ERROR_DIRECTORY = 267;
        if (cwd is not null && !Directory.Exists(cwd))
        {
            return new ProcessStartException(args, program, error, $"Cannot start '{program}': the working directory '{cwd}' does not exist.");
        }

        string reason = error switch
        {
            Interop.ERROR_FILE_NOT_FOUND or ERROR_PATH_NOT_FOUND => "no such program (ERROR_FILE_NOT_FOUND). Check the name, or give its full path.",
            Interop.ERROR_ACCESS_DENIED => "access denied (ERROR_ACCESS_DENIED).",
            ERROR_BAD_EXE_FORMAT => "not a Windows program (ERROR_BAD_EXE_FORMAT); a script needs its interpreter (cmd /c, powershell -File).",
            ERROR_DIRECTORY => $"the working directory '{cwd}' is not valid (ERROR_DIRECTORY).",
            _ => Interop.Win32Exception(error, "CreateProcess").Message,
        };
        return new ProcessStartException(args, program, error, $"Cannot start '{program}': {reason}");
    }
}
