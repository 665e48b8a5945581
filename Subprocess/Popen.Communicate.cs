using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;
using GreenProc.Subprocess.Internal;

namespace GreenProc.Subprocess;

public sealed partial class Popen
{
    private Communication? _communication;

    /// <summary>
    /// Writes <paramref name="input"/> to the child's stdin (then closes it) while reading its stdout and stderr to the
    /// end, all at once, so no amount of output can deadlock; then waits for the child to exit.
    /// </summary>
    /// <param name="input">Bytes for stdin (stdin must be <see cref="Redirect.Pipe"/> unless empty). The memory is read
    /// while the communication runs, also after a timeout: do not change it until the communication ends.</param>
    /// <param name="timeout">How long to wait; null waits as long as it takes.</param>
    /// <param name="cancellationToken">Cancels the wait (the child and the transfer keep going, as after a timeout).</param>
    /// <returns>What the child wrote to stdout and stderr; null for a stream that is not a pipe.</returns>
    /// <exception cref="SubprocessTimeoutException">The timeout passed; it carries the output so far. The child keeps
    /// running and the transfer goes on: call again (without input) to continue; nothing read is lost.</exception>
    /// <exception cref="SubprocessPipesHeldException">The child was signalled and exited, but a grandchild still holds
    /// its output pipes (see <see cref="PopenOptions.PipeDrainGrace"/>).</exception>
    /// <exception cref="InvalidOperationException">Input was given but stdin is not a pipe, or input was given again after the
    /// communication started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    public async ValueTask<(byte[]? Stdout, byte[]? Stderr)> CommunicateAsync(
        ReadOnlyMemory<byte> input = default, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Deadline deadline = Deadline.Start(timeout); // checks the argument before anything starts

        Communication c = StartCommunication(input);
        if (c.Result is { } done)
        {
            return done;
        }

        if (_signalled)
        {
            // Killed (or signalled) by us: the child's exit does not wait for its pipes, and a grandchild may hold
            // them for ever. Wait for the exit, then give the pipes a bounded grace to reach end of stream.
            if (!await ExitedEvent().WaitAsync(deadline.Remaining, cancellationToken))
            {
                throw TimedOut(c, timeout);
            }

            Deadline drainDeadline = deadline.Min(_drainGrace);
            if (!await JoinAll(c, drainDeadline, cancellationToken))
            {
                if (drainDeadline.Due == deadline.Due)
                {
                    throw TimedOut(c, timeout);
                }

                throw new SubprocessPipesHeldException(_args, _child.StatusLost ? 0 : _child.ReturnCode, c.Out?.ToArray(), c.Err?.ToArray());
            }
        }
        else if (!await JoinAll(c, deadline, cancellationToken))
        {
            throw TimedOut(c, timeout);
        }

        if (!_child.IsDone && !await ExitedEvent().WaitAsync(deadline.Remaining, cancellationToken))
        {
            throw TimedOut(c, timeout);
        }

        Result(); // a lost status raises here
        return c.Finish();
    }

    private Communication StartCommunication(ReadOnlyMemory<byte> input)
    {
        if (_communication is { } existing)
        {
            if (!input.IsEmpty)
            {
                throw new InvalidOperationException("Input can be given only to the first CommunicateAsync call; the next calls continue the same transfer.");
            }

            return existing;
        }

        if (!input.IsEmpty && Stdin is null)
        {
            throw new InvalidOperationException("Input was given but the child's stdin is not a pipe: start it with Stdin = Redirect.Pipe.");
        }

        var c = new Communication();
        _communication = c;
        if (Stdin is { } stdin)
        {
            if (input.IsEmpty)
            {
                stdin.Dispose(); // nothing to send: the child sees end of file at once (Python does the same)
            }
            else
            {
                c.Writer = Green.Spawn(() => WriteInputAsync(stdin, input), $"popen-stdin-{Pid}");
            }
        }

        if (Stdout is { } stdout)
        {
            c.Out = new OutputBuffer();
            c.OutReader = Green.Spawn(() => ReadOutputAsync(stdout, c.Out), $"popen-stdout-{Pid}");
        }

        if (Stderr is { } stderr)
        {
            c.Err = new OutputBuffer();
            c.ErrReader = Green.Spawn(() => ReadOutputAsync(stderr, c.Err), $"popen-stderr-{Pid}");
        }

        return c;
    }

    private static async Task WriteInputAsync(GreenStream stdin, ReadOnlyMemory<byte> input)
    {
        try
        {
            await stdin.WriteAsync(input);
        }
        catch (NativeIOException e) when (e.Errno == Interop.EPIPE)
        {
            // The child closed its stdin early (it read all it wanted, or exited): not an error, as in Python.
        }
        catch (ObjectDisposedException)
        {
            // The Popen was disposed mid-transfer: the communication is over, nobody is left to tell.
        }
        finally
        {
            stdin.Dispose();
        }
    }

    private static async Task ReadOutputAsync(GreenStream stream, OutputBuffer buffer)
    {
        try
        {
            while (true)
            {
                int n = await stream.ReadAsync(buffer.GetWritable());
                if (n == 0)
                {
                    break;
                }

                buffer.Advance(n);
            }
        }
        catch (ObjectDisposedException)
        {
            // The Popen was disposed mid-transfer (see WriteInputAsync).
        }
        finally
        {
            stream.Dispose();
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(GreenProc.Internal.HubValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> JoinAll(Communication c, Deadline deadline, CancellationToken cancellationToken)
    {
        if (!await Join(c.Writer, deadline, cancellationToken) || !await Join(c.OutReader, deadline, cancellationToken)
            || !await Join(c.ErrReader, deadline, cancellationToken))
        {
            return false;
        }

        foreach (Greenlet? g in (ReadOnlySpan<Greenlet?>)[c.Writer, c.OutReader, c.ErrReader])
        {
            if (g?.ErrorOrCancellation is { } e) // a pump that was canceled must not pass for one that finished
            {
                ExceptionDispatchInfo.Throw(e);
            }
        }

        return true;
    }

    private static ValueTask<bool> Join(Greenlet? g, Deadline deadline, CancellationToken cancellationToken)
        => g is null || g.IsReady ? new ValueTask<bool>(true) : g.JoinAsync(deadline.Remaining, cancellationToken);

    private SubprocessTimeoutException TimedOut(Communication c, TimeSpan? timeout)
        => new(_args, timeout ?? TimeSpan.Zero, c.Out?.ToArray(), c.Err?.ToArray());

    /// <summary>The state of one communication, kept across calls so a call after a timeout continues it.</summary>
    private sealed class Communication : IDisposable
    {
        public Greenlet? Writer;
        public Greenlet? OutReader;
        public Greenlet? ErrReader;
        public OutputBuffer? Out;
        public OutputBuffer? Err;
        public (byte[]? Stdout, byte[]? Stderr)? Result;

        public (byte[]? Stdout, byte[]? Stderr) Finish()
        {
            Result = (Out?.ToArray(), Err?.ToArray());
            Dispose();
            return Result.Value;
        }

        public void Dispose()
        {
            Out?.Dispose();
            Err?.Dispose();
        }
    }
}
