using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Exceptions;
using GreenProc.Subprocess.Internal;

namespace GreenProc.Subprocess;

/// <summary>
/// Runs CliWrap <see cref="Command"/>s as green <see cref="Popen"/>s, so CliWrap users keep their builder
/// (target, arguments, working directory, environment, pipes, validation) and get cooperative children on the hub.
/// </summary>
public static class CliWrapExtensions
{
    /// <summary>
    /// Starts <paramref name="command"/> as a <see cref="Popen"/>: its target, arguments, working directory and
    /// environment variables are taken from the command; streams and the rest from <paramref name="options"/>
    /// (CliWrap's pipes are not used here: read and write the Popen's streams, or use <see cref="ExecuteGreenAsync"/>).
    /// </summary>
    /// <param name="command">The CliWrap command.</param>
    /// <param name="options">Streams and other options; the command's directory and variables override theirs.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ProcessStartException">The target could not be started.</exception>
    public static Popen StartPopen(this Command command, PopenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= PopenOptions.Default;
        return Popen.Start(Arguments(command), With(options, command, options.Stdin, options.Stdout, options.Stderr));
    }

    /// <summary>
    /// Executes <paramref name="command"/> to completion as a green child: CliWrap's stdin source and stdout/stderr
    /// targets are pumped by greenlets (a <see cref="PipeSource.Null"/>/<see cref="PipeTarget.Null"/> becomes
    /// /dev/null), and <see cref="Command.Validation"/> is honoured.
    /// </summary>
    /// <param name="command">The CliWrap command.</param>
    /// <param name="cancellationToken">Kills the child and raises when cancelled.</param>
    /// <returns>CliWrap's result: exit code, start and exit times.</returns>
    /// <exception cref="CommandExecutionException">Validation requires exit code 0 and the child returned another.</exception>
    /// <exception cref="ProcessStartException">The target could not be started.</exception>
    public static async Task<CommandResult> ExecuteGreenAsync(this Command command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        bool feed = !ReferenceEquals(command.StandardInputPipe, PipeSource.Null);
        bool drainOut = !ReferenceEquals(command.StandardOutputPipe, PipeTarget.Null);
        bool drainErr = !ReferenceEquals(command.StandardErrorPipe, PipeTarget.Null);
        PopenOptions options = With(PopenOptions.Default, command,
            feed ? Redirect.Pipe : Redirect.DevNull,
            drainOut ? Redirect.Pipe : Redirect.DevNull,
            drainErr ? Redirect.Pipe : Redirect.DevNull);

        DateTimeOffset start = DateTimeOffset.Now;
        using Popen popen = await Popen.StartAsync(Arguments(command), options, cancellationToken);
        var pumps = new List<Greenlet>(3);
        try
        {
            if (popen.Stdin is { } stdin)
            {
                pumps.Add(Green.Spawn(async () =>
                {
                    try
                    {
                        await command.StandardInputPipe.CopyToAsync(stdin, cancellationToken);
                    }
                    catch (NativeIOException e) when (e.Errno == Interop.EPIPE)
                    {
                        // the child stopped reading: what it did not read is not an error (CliWrap ignores it too)
                    }
                    finally
                    {
                        stdin.Dispose();
                    }
                }, "cliwrap-stdin"));
            }

            if (popen.Stdout is { } stdout)
            {
                pumps.Add(Green.Spawn(() => command.StandardOutputPipe.CopyFromAsync(stdout, cancellationToken), "cliwrap-stdout"));
            }

            if (popen.Stderr is { } stderr)
            {
                pumps.Add(Green.Spawn(() => command.StandardErrorPipe.CopyFromAsync(stderr, cancellationToken), "cliwrap-stderr"));
            }

            int code = await popen.WaitAsync(cancellationToken: cancellationToken);
            foreach (Greenlet pump in pumps)
            {
                await pump.GetAsync(cancellationToken: cancellationToken);
            }

            var result = new CommandResult(code, start, DateTimeOffset.Now);
            if (code != 0 && command.Validation.HasFlag(CommandResultValidation.ZeroExitCode))
            {
                throw new CommandExecutionException(command, code,
                    $"Command '{command}' exited with a non-zero code ({code}). Use WithValidation(CommandResultValidation.None) to accept it.");
            }

            return result;
        }
        catch
        {
            popen.Kill();
            foreach (Greenlet pump in pumps)
            {
                await pump.KillAsync(block: false);
            }

            throw;
        }
    }

    private static List<string> Arguments(Command command)
    {
        List<string> args = WindowsCommandLine.Split(command.Arguments);
        args.Insert(0, command.TargetFilePath);
        return args;
    }

    private static PopenOptions With(PopenOptions options, Command command, Redirect stdin, Redirect stdout, Redirect stderr)
    {
        Dictionary<string, string?>? overrides = null;
        if (command.EnvironmentVariables.Count > 0 || options.EnvironmentOverrides is not null)
        {
            overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (options.EnvironmentOverrides is not null)
            {
                foreach (KeyValuePair<string, string?> kv in options.EnvironmentOverrides)
                {
                    overrides[kv.Key] = kv.Value;
                }
            }

            foreach (KeyValuePair<string, string?> kv in command.EnvironmentVariables)
            {
                overrides[kv.Key] = kv.Value;
            }
        }

        return new PopenOptions
        {
            Stdin = stdin,
            Stdout = stdout,
            Stderr = stderr,
            WorkingDirectory = string.IsNullOrEmpty(command.WorkingDirPath) ? options.WorkingDirectory : command.WorkingDirPath,
            Environment = options.Environment,
            EnvironmentOverrides = overrides,
            PassFds = options.PassFds,
            Executable = options.Executable,
            NewProcessGroup = options.NewProcessGroup,
            NewSession = options.NewSession,
            KillWithOwner = options.KillWithOwner,
            PipeDrainGrace = options.PipeDrainGrace,
            PipeSize = options.PipeSize,
        };
    }
}
