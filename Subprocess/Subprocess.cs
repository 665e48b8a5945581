using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Subprocess;

/// <summary>
/// The run API (Python's <c>subprocess.run</c>, <c>check_output</c>, <c>call</c>, <c>check_call</c>) on green
/// <see cref="Popen"/>s: each call runs a child to completion from the calling greenlet while the hub keeps serving
/// every other greenlet.
/// </summary>
public static class Subprocess
{
    /// <summary>Runs <paramref name="args"/> to completion: feeds the input, captures output if asked, enforces the
    /// timeout (killing the child), checks the exit code if asked.</summary>
    /// <param name="args">The program and its arguments.</param>
    /// <param name="options">Input, capture, timeout, check, encoding and the <see cref="PopenOptions"/>.</param>
    /// <param name="cancellationToken">Cancels the run: the child is killed and the token's exception raised.</param>
    /// <returns>The exit code and captured output.</returns>
    /// <exception cref="ProcessStartException">The program could not be started.</exception>
    /// <exception cref="SubprocessTimeoutException">The timeout passed; the child was killed.</exception>
    /// <exception cref="CalledProcessException"><see cref="RunOptions.Check"/> is set and the exit code is not 0.</exception>
    /// <exception cref="ArgumentException">Input or capture was combined with an explicit stdin/stdout/stderr.</exception>
    public static async Task<CompletedProcess> RunAsync(IReadOnlyList<string> args, RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= RunOptions.Default;
        PopenOptions popenOptions = options.ToPopenOptions(stdoutForText: false, out ReadOnlyMemory<byte> input);
        return await RunCoreAsync(args, popenOptions, input, options, cancellationToken);
    }

    /// <summary>Runs <paramref name="args"/> and returns its stdout as text; a non-zero exit raises.</summary>
    /// <param name="args">The program and its arguments.</param>
    /// <param name="options">Options; stdout is always captured (leave <see cref="PopenOptions.Stdout"/> unset).</param>
    /// <param name="cancellationToken">Cancels the run (the child is killed).</param>
    /// <returns>What the child wrote to stdout, decoded with <see cref="RunOptions.Encoding"/>.</returns>
    /// <exception cref="CalledProcessException">The exit code is not 0.</exception>
    /// <exception cref="SubprocessTimeoutException">The timeout passed; the child was killed.</exception>
    /// <exception cref="ArgumentException">Stdout or capture was set, or input was combined with an explicit stdin.</exception>
    public static async Task<string> CheckOutputAsync(IReadOnlyList<string> args, RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= RunOptions.Default;
        PopenOptions popenOptions = options.ToPopenOptions(stdoutForText: true, out ReadOnlyMemory<byte> input);
        CompletedProcess done = await RunCoreAsync(args, popenOptions, input, options, cancellationToken);
        done.CheckReturnCode();
        return done.StdoutText!;
    }

    /// <summary>Runs <paramref name="args"/> and returns its exit code (Python's <c>call</c>).</summary>
    /// <param name="args">The program and its arguments.</param>
    /// <param name="options">Options (capture and check are honoured as in <see cref="RunAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the run (the child is killed).</param>
    /// <returns>The exit code; negative when killed by a signal.</returns>
    /// <exception cref="ArgumentException">Input or capture was combined with an explicit stdin/stdout/stderr.</exception>
    public static async Task<int> CallAsync(IReadOnlyList<string> args, RunOptions? options = null, CancellationToken cancellationToken = default)
        => (await RunAsync(args, options, cancellationToken)).ReturnCode;

    /// <summary>Runs <paramref name="args"/> and raises when its exit code is not 0 (Python's <c>check_call</c>).</summary>
    /// <param name="args">The program and its arguments.</param>
    /// <param name="options">Options.</param>
    /// <param name="cancellationToken">Cancels the run (the child is killed).</param>
    /// <returns>A task that completes when the child has exited with code 0.</returns>
    /// <exception cref="CalledProcessException">The exit code is not 0.</exception>
    /// <exception cref="ArgumentException">Input or capture was combined with an explicit stdin/stdout/stderr.</exception>
    public static async Task CheckCallAsync(IReadOnlyList<string> args, RunOptions? options = null, CancellationToken cancellationToken = default)
        => (await RunAsync(args, options, cancellationToken)).CheckReturnCode();

    private static async Task<CompletedProcess> RunCoreAsync(
        IReadOnlyList<string> args, PopenOptions popenOptions, ReadOnlyMemory<byte> input, RunOptions options, CancellationToken cancellationToken)
    {
        using Popen popen = await Popen.StartAsync(args, popenOptions, cancellationToken);
        byte[]? stdout;
        byte[]? stderr;
        try
        {
            (stdout, stderr) = await popen.CommunicateAsync(input, options.Timeout, cancellationToken);
        }
        catch (SubprocessTimeoutException)
        {
            // Python's run(): kill, then collect what is left. Unlike Python, a grandchild holding the pipes cannot
            // make this hang: after the kill the pipes get PipeDrainGrace to reach end of stream.
            popen.Kill();
            try
            {
                (stdout, stderr) = await popen.CommunicateAsync();
            }
            catch (SubprocessPipesHeldException held)
            {
                throw new SubprocessTimeoutException(popen.Args, options.Timeout!.Value, held.Stdout, held.Stderr, pipesHeldOpen: true);
            }

            throw new SubprocessTimeoutException(popen.Args, options.Timeout!.Value, stdout, stderr);
        }
        catch
        {
            // Cancelled, killed, or a read failed: the child must not outlive the run. Dispose hands it to the reaper.
            popen.Kill();
            throw;
        }

        var done = new CompletedProcess(popen.Args, popen.ReturnCode!.Value, stdout, stderr, options.Encoding);
        return options.Check ? done.CheckReturnCode() : done;
    }
}
