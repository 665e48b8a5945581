using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Subprocess.Internal;

namespace GreenProc.Subprocess;

// Starting a child: the factories, the resolution of the program, the spawn and its failures.
public sealed partial class Popen
{
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
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD() && !OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("GreenProc.Subprocess runs on Windows, Linux, macOS and FreeBSD.");
        }

        return Validate(args, options);
    }

    private static Popen StartCore(string[] argv, PopenOptions options)
    {
        if (OperatingSystem.IsWindows())
        {
            return StartWindows(argv, options);
        }

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

        return Launch(argv, options, plan =>
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
            return ProcessSpawner.Start(request, out int spawnErrno)
                ?? throw StartFailure(argv, path, spawnErrno, options.WorkingDirectory);
        });
    }

    /// <summary>
    /// The part of a start every platform shares: <paramref name="spawn"/> fills a stdio plan and starts the child from
    /// it; the plan's child ends are closed here once the child has them, and on a failure its streams go too.
    /// </summary>
    private static Popen Launch(string[] argv, PopenOptions options, Func<StdioPlan, IChildProcess> spawn)
    {
        var plan = new StdioPlan();
        try
        {
            IChildProcess child = spawn(plan);
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
