using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;
using GreenProc.Subprocess.Internal;
using Microsoft.Win32.SafeHandles;

namespace GreenProc.Subprocess;

/// <summary>
/// A child process started by GreenProc (gevent.subprocess.Popen): its pipes are <see cref="GreenStream"/>s and its
/// exit is watched on the hub (a pidfd in the reactor), so a greenlet waits for it, or converses with it, without
/// blocking the thread and without a thread per stream.
/// </summary>
/// <remarks>
/// <para>Waits (<see cref="WaitAsync"/>, <see cref="CommunicateAsync"/>, stream I/O) run on a hub, from a greenlet;
/// <see cref="Poll"/> and the signal methods work anywhere. The child is started with posix_spawn (no managed code
/// between fork and exec), an empty signal mask, default signal dispositions, and only stdio plus
/// <see cref="PopenOptions.PassFds"/> open.</para>
/// <para>Disposing closes this side's pipes. It does not kill the child (as in Python and .NET); a child still running
/// is reaped in the background when it exits, so it never stays a zombie.</para>
/// </remarks>
[DebuggerDisplay("pid {Pid}, returncode {ReturnCode}")]
public sealed partial class Popen : IDisposable, IAsyncDisposable
{
    private readonly IChildProcess _child;
    private readonly string[] _args;
    private readonly bool _groupLeader;
    private readonly TimeSpan _drainGrace;

    // Set when the exit watcher has reaped the child (the watcher is started by the first wait).
    private GreenEvent? _exited;
    private Greenlet? _watcher;

    // This process sent the child a signal: after it exits, its pipes get only the drain grace to reach EOF.
    private volatile bool _signalled;
    private bool _disposed;

    private Popen(IChildProcess child, string[] args, PopenOptions options, GreenStream? stdin, GreenStream? stdout, GreenStream? stderr)
    {
        _child = child;
        _args = args;
        _groupLeader = options.NewProcessGroup || options.NewSession;
        _drainGrace = options.PipeDrainGrace;
        Stdin = stdin;
        Stdout = stdout;
        Stderr = stderr;
    }

    /// <summary>The child's process id.</summary>
    public int Pid => _child.Pid;

    /// <summary>The command line the child was started with.</summary>
    public IReadOnlyList<string> Args => _args;

    /// <summary>
    /// The exit code once the child has been reaped (by <see cref="Poll"/> or a wait), else null. Negative when the
    /// child was killed by a signal: -9 for SIGKILL, -15 for SIGTERM.
    /// </summary>
    public int? ReturnCode => _child.IsDone && !_child.StatusLost ? _child.ReturnCode : null;

    /// <summary>This side of the child's stdin when it is <see cref="Redirect.Pipe"/>; else null.</summary>
    public GreenStream? Stdin { get; }

    /// <summary>This side of the child's stdout when it is <see cref="Redirect.Pipe"/>; else null.</summary>
    public GreenStream? Stdout { get; }

    /// <summary>This side of the child's stderr when it is <see cref="Redirect.Pipe"/>; else null.</summary>
    public GreenStream? Stderr { get; }

    /// <summary>Starts <paramref name="args"/> (the program, then its arguments) with the given streams.</summary>
    /// <param name="args">The program (looked up on PATH unless it contains a '/') followed by its arguments.</param>
    /// <param name="stdin">The child's stdin (default inherit).</param>
    /// <param name="stdout">The child's stdout (default inherit).</param>
    /// <param name="stderr">The child's stderr (default inherit; <see cref="Redirect.Stdout"/> merges it into stdout).</param>
    /// <param name="cwd">The working directory (default: this process's).</param>
    /// <param name="env">The child's whole environment (default: this process's).</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException"><paramref name="args"/> is empty or holds null, or a redirect does not fit its
    /// stream (a non-blocking socket or terminal given as stdio: see <see cref="Redirect"/>).</exception>
    /// <exception cref="ProcessStartException">The program was not found or could not be executed, or the directory does not exist.</exception>
    public static Popen Start(IReadOnlyList<string> args, Redirect? stdin = null, Redirect? stdout = null, Redirect? stderr = null,
        string? cwd = null, IReadOnlyDictionary<string, string>? env = null)
        => Start(args, new PopenOptions
        {
            Stdin = stdin ?? Redirect.Inherit,
            Stdout = stdout ?? Redirect.Inherit,
            Stderr = stderr ?? Redirect.Inherit,
            WorkingDirectory = cwd,
            Environment = env,
        });

    /// <summary>Starts <paramref name="args"/> as <paramref name="options"/> say.</summary>
    /// <param name="args">The program (looked up on PATH unless it contains a '/') followed by its arguments.</param>
    /// <param name="options">Streams, directory, environment, extra descriptors, process group, lifetime.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException"><paramref name="args"/> is empty or holds null, or an option is invalid (a
    /// non-blocking socket or terminal given as stdio: see <see cref="Redirect"/>).</exception>
    /// <exception cref="ProcessStartException">The program was not found or could not be executed, or the directory does not exist.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux/Unix, or <see cref="PopenOptions.KillWithOwner"/> off Linux.</exception>
    public static Popen Start(IReadOnlyList<string> args, PopenOptions options)
    {
        string[] argv = CheckArguments(args, options);
        return StartCore(argv, options);
    }

    /// <summary>
    /// Starts <paramref name="args"/> like <see cref="Start(IReadOnlyList{string}, PopenOptions)"/>, but the spawn itself
    /// (building the environment, posix_spawn, which holds the calling thread until the child has executed the program:
    /// about half a millisecond) runs on one of GreenProc's spawner threads, so the hub keeps serving other greenlets
    /// meanwhile and many children start in parallel. The greenlet resumes on the hub with the running child.
    /// </summary>
    /// <param name="args">The program (looked up on PATH unless it contains a '/') followed by its arguments.</param>
    /// <param name="options">Streams, directory, environment, extra descriptors, process group, lifetime; null for the defaults.</param>
    /// <param name="cancellationToken">Checked before and after the spawn: a child that started anyway is killed.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException"><paramref name="args"/> is empty or holds null, or an option is invalid.</exception>
    /// <exception cref="ProcessStartException">The program was not found or could not be executed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>The spawner threads live as long as the process, so with <see cref="PopenOptions.KillWithOwner"/> a child
    /// started this way dies with the process (not with the calling thread).</remarks>
    public static async Task<Popen> StartAsync(IReadOnlyList<string> args, PopenOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= PopenOptions.Default;
        string[] argv = CheckArguments(args, options);
        cancellationToken.ThrowIfCancellationRequested();
        Popen popen = await SpawnerThreads.Run(() => StartCore(argv, options));
        if (cancellationToken.IsCancellationRequested)
        {
            popen.Kill();
            popen.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return popen;
    }

    private static string[] CheckArguments(IReadOnlyList<string> args, PopenOptions options)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("GreenProc.Subprocess runs on Unix only for now; the Windows spawner (named pipes, explicit handle list) is not built yet.");
        }

        return Validate(args, options);
    }

    private static Popen StartCore(string[] argv, PopenOptions options)
    {
        string[] envp = BuildEnvironment(options);
        string program = options.Executable ?? argv[0];
        string? path = ExecutableResolver.Resolve(program, ExecutableResolver.SearchPathFor(envp), out int errno);
        if (path is null)
        {
            throw StartFailure(argv, program, errno, options.WorkingDirectory);
        }

        string[] spawnArgv = argv;
        string spawnPath = path;
        if (options.KillWithOwner)
        {
            (spawnPath, spawnArgv) = OwnerDeathWrapper.Wrap(path, argv);
        }

        var plan = new StdioPlan();
        try
        {
            var request = new SpawnRequest
            {
                Path = spawnPath,
                Argv = spawnArgv,
                Envp = envp,
                WorkingDirectory = options.WorkingDirectory,
                NewSession = options.NewSession,
                NewProcessGroup = options.NewProcessGroup,
            };
            plan.Build(request, options);
            IChildProcess child = ProcessSpawner.Start(request, out int spawnErrno)
                ?? throw StartFailure(argv, path, spawnErrno, options.WorkingDirectory);
            plan.ReleaseChildSide();
            return new Popen(child, argv, options, plan.Stdin, plan.Stdout, plan.Stderr);
        }
        catch
        {
            plan.ReleaseChildSide();
            plan.DisposeParentSide();
            throw;
        }
    }

    /// <summary>Reaps the child if it has exited, without waiting; returns <see cref="ReturnCode"/>.</summary>
    /// <exception cref="ChildStatusLostException">Someone else reaped the child (SIGCHLD ignored, a waitpid(-1) elsewhere).</exception>
    public int? Poll()
    {
        // Works from any thread: a watcher parked on the pidfd is woken by the pidfd's disposal when this reaps.
        return _child.TryReap() ? Result() : null;
    }

    /// <summary>Waits cooperatively for the child to exit and returns its exit code.</summary>
    /// <param name="timeout">How long to wait; null waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait (not the child).</param>
    /// <returns>The exit code; negative: the signal that killed it.</returns>
    /// <exception cref="SubprocessTimeoutException">The child is still running after <paramref name="timeout"/>.</exception>
    /// <exception cref="ChildStatusLostException">Someone else reaped the child.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_child.TryReap())
        {
            return new ValueTask<int>(Result());
        }

        return WaitSlowAsync(timeout, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitSlowAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (!await ExitedEvent().WaitAsync(timeout, cancellationToken))
        {
            throw new SubprocessTimeoutException(_args, timeout!.Value, null, null);
        }

        return Result();
    }

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number) to the child; nothing if it was already reaped.</summary>
    /// <param name="signal">The signal number (15 = SIGTERM, 9 = SIGKILL, 2 = SIGINT, ...).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="signal"/> is not a valid signal number.</exception>
    public void SendSignal(int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(signal);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signal, 64);
        _signalled = true;
        _child.Signal(signal);
    }

    /// <summary>Asks the child to stop (SIGTERM).</summary>
    public void Terminate() => SendSignal(Interop.SIGTERM);

    /// <summary>Kills the child (SIGKILL). Its <see cref="ReturnCode"/> becomes -9.</summary>
    public void Kill() => SendSignal(Interop.SIGKILL);

    /// <summary>
    /// Sends <paramref name="signal"/> to the child's whole process group (the child and every descendant that stayed in
    /// it): the tree kill. Requires <see cref="PopenOptions.NewProcessGroup"/> or <see cref="PopenOptions.NewSession"/>.
    /// </summary>
    /// <param name="signal">The signal number.</param>
    /// <exception cref="InvalidOperationException">The child does not lead its own process group.</exception>
    public void SendSignalToGroup(int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(signal);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signal, 64);
        if (!_groupLeader)
        {
            throw new InvalidOperationException("This child shares this process's process group; signalling it would hit this process too. Start it with NewProcessGroup = true (or NewSession) to signal its group.");
        }

        _signalled = true;
        if (Interop.Kill(-Pid, signal) != 0 && Interop.LastErrno is int errno && errno != Interop.ESRCH)
        {
            throw Interop.ErrnoException(errno, $"kill(-{Pid}, {signal})");
        }
    }

    /// <summary>Closes this side's pipes; a child still running is reaped in the background when it exits.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stdin?.Dispose();
        Stdout?.Dispose();
        Stderr?.Dispose();
        _communication?.Dispose(); // after the streams: their readers have been woken and will not touch the buffers
        _child.Abandon();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString() => $"Popen(pid {Pid}, {CommandText.Format(_args)}, returncode {ReturnCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "running"})";

    private int Result()
    {
        if (_child.StatusLost)
        {
            throw new ChildStatusLostException(_args, Pid);
        }

        return _child.ReturnCode;
    }

    /// <summary>The event set when the child is reaped; starts the hub-side watcher on first use.</summary>
    private GreenEvent ExitedEvent()
    {
        _exited ??= new GreenEvent();
        if (_watcher is null)
        {
            _watcher = Green.Spawn(WatchExitAsync, $"popen-exit-{Pid}");
        }

        return _exited;
    }

    private async Task WatchExitAsync()
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(1);
        try
        {
            while (!_child.TryReap())
            {
                SafeHandle? exitHandle = _child.ExitHandle;
                if (exitHandle is not null)
                {
                    await Green.WaitReadAsync(exitHandle);
                }
                else
                {
                    // No waitable handle (an old kernel, macOS): poll our own pid only, backing off to 50 ms.
                    await Green.Sleep(backoff);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The handle was closed because the child was reaped elsewhere (Poll, the orphan reaper).
            _child.TryReap();
        }

        _exited!.Set();
    }

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

        if (options.KillWithOwner && !OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("KillWithOwner relies on Linux's PR_SET_PDEATHSIG; it is not available on this platform.");
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
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
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

    private static ProcessStartException StartFailure(string[] args, string program, int errno, string? cwd)
    {
        if (errno == Interop.ENOENT && cwd is not null && !Directory.Exists(cwd))
        {
            return new ProcessStartException(args, program, errno, $"Cannot start '{program}': the working directory '{cwd}' does not exist.");
        }

        string reason = errno switch
        {
            Interop.ENOENT => program.Contains('/', StringComparison.Ordinal)
                ? "no such file (ENOENT)."
                : "no such program on PATH (ENOENT). Check the name, or give its full path.",
            Interop.EACCES => "permission denied (EACCES): the file is not executable, or a directory on its path is not searchable.",
            _ => $"{new NativeIOException(errno, "posix_spawn").Message}",
        };
        return new ProcessStartException(args, program, errno, $"Cannot start '{program}': {reason}");
    }
}
