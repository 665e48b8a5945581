using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using GreenProc.Internal;

namespace GreenProc.Subprocess;

// The checks of a command line and its options, and the environment a child gets.
public sealed partial class Popen
{
    private static string[] Validate(IReadOnlyList<string> args, PopenOptions options)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("The command line is empty: give at least the program to run.", nameof(args));
        }

        var argv = new string[args.Count];
        for (int i = 0; i < argv.Length; i++)
        {
            argv[i] = args[i] ?? throw new ArgumentException($"Argument {i} is null.", nameof(args));
            if (argv[i].Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Argument {i} contains a NUL character, which a command line cannot carry.", nameof(args));
            }
        }

        if (argv[0].Length == 0)
        {
            throw new ArgumentException("The program name is empty.", nameof(args));
        }

        ArgumentNullException.ThrowIfNull(options.Stdin, "options.Stdin");
        ArgumentNullException.ThrowIfNull(options.Stdout, "options.Stdout");
        ArgumentNullException.ThrowIfNull(options.Stderr, "options.Stderr");
        if (options.Stdin.Kind == RedirectKind.Stdout || options.Stdout.Kind == RedirectKind.Stdout)
        {
            throw new ArgumentException("Redirect.Stdout is for stderr only (2>&1).", nameof(options));
        }

        if (options.Stdin.Kind == RedirectKind.File && !options.Stdin.ForReading)
        {
            throw new ArgumentException("stdin needs Redirect.FromFile (a file to read), not Redirect.ToFile.", nameof(options));
        }

        if ((options.Stdout.Kind == RedirectKind.File && options.Stdout.ForReading) || (options.Stderr.Kind == RedirectKind.File && options.Stderr.ForReading))
        {
            throw new ArgumentException("stdout and stderr need Redirect.ToFile (a file to write), not Redirect.FromFile.", nameof(options));
        }

        if (options.PassFds is not null)
        {
            foreach (KeyValuePair<int, SafeHandle> pass in options.PassFds)
            {
                if (pass.Key < 3)
                {
                    throw new ArgumentOutOfRangeException(nameof(options), pass.Key, "PassFds numbers start at 3; give stdio through Stdin/Stdout/Stderr.");
                }

                ArgumentNullException.ThrowIfNull(pass.Value, "options.PassFds value");
                ObjectDisposedException.ThrowIf(pass.Value.IsClosed || pass.Value.IsInvalid, pass.Value);
            }
        }

        Deadline.Validate(options.PipeDrainGrace, "options.PipeDrainGrace"); // Timeout.InfiniteTimeSpan: wait for the pipes
        if (options.PipeSize is { } pipeSize)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pipeSize, "options.PipeSize");
        }

        if (options.KillWithOwner && !OperatingSystem.IsLinux() && !OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("KillWithOwner relies on Linux's PR_SET_PDEATHSIG or a Windows job object; it is not available on this platform.");
        }


        if (options.WorkingDirectory is { Length: 0 })
        {
            throw new ArgumentException("The working directory is an empty string; use null to keep this process's.", nameof(options));
        }

        return argv;
    }

    private static string[] BuildEnvironment(PopenOptions options)
    {
        // Always from .NET's view of the environment: Environment.SetEnvironmentVariable does not change the native
        // environ block, and a child should see what this process's code sees.
        // Windows names are case-insensitive (PATH and Path are one variable).
        var env = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        if (options.Environment is not null)
        {
            foreach (KeyValuePair<string, string> kv in options.Environment)
            {
                env[kv.Key] = kv.Value ?? string.Empty;
            }
        }
        else
        {
            foreach (DictionaryEntry kv in Environment.GetEnvironmentVariables())
            {
                env[(string)kv.Key] = (string?)kv.Value ?? string.Empty;
            }
        }

        if (options.EnvironmentOverrides is not null)
        {
            foreach (KeyValuePair<string, string?> kv in options.EnvironmentOverrides)
            {
                if (kv.Value is null)
                {
                    env.Remove(kv.Key);
                }
                else
                {
                    env[kv.Key] = kv.Value;
                }
            }
        }

        // Checked here, on the merged variables, so every source (Environment, EnvironmentOverrides, CliWrap's variables,
        // this process's own) goes through one check: envp entries are C strings, and a NUL would silently cut one short.
        var envp = new string[env.Count];
        int i = 0;
        foreach (KeyValuePair<string, string> kv in env)
        {
            if (string.IsNullOrEmpty(kv.Key) || kv.Key.Contains('=', StringComparison.Ordinal) || kv.Key.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{kv.Key}' is not a valid environment variable name.", nameof(options));
            }

            if (kv.Value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"The value of '{kv.Key}' is not a valid environment variable value: it contains a NUL character, which an environment cannot carry. Remove the NUL, or the variable (EnvironmentOverrides [\"{kv.Key}\"] = null).",
                    nameof(options));
            }

            envp[i++] = kv.Key + "=" + kv.Value;
        }

        return envp;
    }
}
