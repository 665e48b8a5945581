using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using GreenProc.Tests;
using static GreenProc.Subprocess.Tests.ChildHelpers;

namespace GreenProc.Subprocess.Tests;

/// <summary>
/// The mode of the descriptors a child receives: O_NONBLOCK belongs to the open file description, which a child shares
/// with this process unless it is given a description of its own. Children see their fds through
/// /proc/self/fdinfo (printed by the child itself, so nothing races with its exit).
/// </summary>
public sealed class ChildDescriptorTests : HubTestBase
{
    private const int O_NONBLOCK = 0x800; // 04000 octal, as /proc/*/fdinfo prints flags

    protected override ReactorKind Reactor => ReactorKind.Epoll;

    [Fact]
    public void A_pipeline_of_three_popens_over_green_streams_counts_every_line()
    {
        Run(async () =>
        {
            // seq 1 200000 | grep 7 | wc -l: grep and wc read our non-blocking GreenStream pipes' descriptions.
            using Popen seq = Popen.Start(["seq", "1", "200000"], stdout: Redirect.Pipe);
            using var killSeq = seq.Killing();
            using Popen grep = Popen.Start(["grep", "7"], stdin: Redirect.FromStream(seq.Stdout!), stdout: Redirect.Pipe, stderr: Redirect.Pipe);
            using var killGrep = grep.Killing();
            using Popen wc = Popen.Start(["wc", "-l"], stdin: Redirect.FromStream(grep.Stdout!), stdout: Redirect.Pipe, stderr: Redirect.Pipe);
            using var killWc = wc.Killing();

            // Our ends are still non-blocking GreenStreams (the children got descriptions of their own).
            Assert.True(seq.Stdout!.Handle.IsNonBlocking());
            Assert.True(grep.Stdout!.Handle.IsNonBlocking());

            // The consumers hold the pipes now; ours must go for end of stream (and SIGPIPE) to work as in a shell.
            seq.Stdout.Dispose();
            grep.Stdout.Dispose();
            (byte[]? count, byte[]? wcErr) = await wc.CommunicateAsync(timeout: TimeSpan.FromSeconds(20));
            (_, byte[]? grepErr) = await grep.CommunicateAsync(timeout: TimeSpan.FromSeconds(20));
            Assert.Equal("", Encoding.UTF8.GetString(grepErr!));
            Assert.Equal("", Encoding.UTF8.GetString(wcErr!));
            Assert.Equal("81902", Encoding.ASCII.GetString(count!).Trim());
            Assert.Equal(0, await seq.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, grep.ReturnCode);
            Assert.Equal(0, wc.ReturnCode);
        });
    }

    [Fact]
    public void A_non_blocking_pipe_given_as_stdio_is_blocking_in_the_child_and_stays_non_blocking_here()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle inRead, out SafeFdHandle inWrite, nonBlocking: true);
            SafeFdHandle.CreatePipe(out SafeFdHandle outRead, out SafeFdHandle outWrite, nonBlocking: true);
            using var input = new GreenStream(inWrite, FileAccess.Write);
            using var output = new GreenStream(outRead, FileAccess.Read);
            using (inRead)
            using (outWrite)
            {
                // The child prints its own fd 0 and fd 1 modes, then copies stdin to stdout.
                using Popen cat = Popen.Start(["cat", "/proc/self/fdinfo/0", "/proc/self/fdinfo/1", "-"],
                    stdin: Redirect.FromHandle(inRead), stdout: Redirect.FromHandle(outWrite));
                using var killCat = cat.Killing();
                Assert.True(inRead.IsNonBlocking());
                Assert.True(outWrite.IsNonBlocking());
                inRead.Dispose();
                outWrite.Dispose();

                await input.WriteAsync("through the pipe\n"u8.ToArray());
                input.Dispose();
                string text = await ReadToEndAsync(output);
                int[] flags = FlagsLines(text);
                Assert.Equal(2, flags.Length);
                Assert.Equal(0, flags[0] & O_NONBLOCK);
                Assert.Equal(0, flags[1] & O_NONBLOCK);
                Assert.EndsWith("through the pipe\n", text, StringComparison.Ordinal);
                Assert.Equal(0, await cat.WaitAsync(TimeSpan.FromSeconds(20)));
            }
        });
    }

    [Fact]
    public void A_non_blocking_pipe_passed_as_an_extra_fd_is_blocking_in_the_child()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle read, out SafeFdHandle write, nonBlocking: true);
            using (read)
            using (write)
            {
                using Popen cat = Popen.Start(["cat", "/proc/self/fdinfo/3"], new PopenOptions
                {
                    Stdout = Redirect.Pipe,
                    PassFds = new Dictionary<int, SafeHandle> { [3] = write },
                });
                using var killCat = cat.Killing();
                string text = Encoding.ASCII.GetString((await cat.CommunicateAsync(timeout: TimeSpan.FromSeconds(20))).Stdout!);
                Assert.Equal(0, FlagsLines(text).Single() & O_NONBLOCK);
                Assert.True(write.IsNonBlocking());
            }
        });
    }

    [Fact]
    public void A_non_blocking_fifo_is_reopened_blocking_and_a_fifo_write_end_without_a_reader_is_refused()
    {
        string fifo = Path.Combine(Path.GetTempPath(), $"greenproc-{Guid.NewGuid():N}.fifo");
        try
        {
            Run(async () =>
            {
                using (Popen mkfifo = Popen.Start(["mkfifo", fifo]))
                {
                    Assert.Equal(0, await mkfifo.WaitAsync(TimeSpan.FromSeconds(20)));
                }

                // Non-blocking opens: the read end opens at once, the write end then finds a reader.
                using SafeFdHandle read = OpenFifo(fifo, Interop.O_RDONLY);
                using SafeFdHandle write = OpenFifo(fifo, Interop.O_WRONLY);
                using (Popen cat = Popen.Start(["cat", "/proc/self/fdinfo/0", "/proc/self/fdinfo/1"],
                    stdin: Redirect.FromHandle(read), stdout: Redirect.FromHandle(write)))
                {
                    using var killCat = cat.Killing();
                    Assert.Equal(0, await cat.WaitAsync(TimeSpan.FromSeconds(20)));
                }

                // What cat wrote into the FIFO: its fd 0 and fd 1 were blocking; ours still are not.
                Assert.True(read.IsNonBlocking());
                Assert.True(write.IsNonBlocking());
                using (var output = new GreenStream(read, FileAccess.Read, ownsHandle: false))
                {
                    var buffer = new byte[4096];
                    int n;
                    using (GreenTimeout.Start(TimeSpan.FromSeconds(20)))
                    {
                        n = await output.ReadAsync(buffer);
                    }

                    int[] flags = FlagsLines(Encoding.ASCII.GetString(buffer, 0, n));
                    Assert.Equal(2, flags.Length);
                    Assert.All(flags, f => Assert.Equal(0, f & O_NONBLOCK));
                }

                // Without a reader, a FIFO's write end cannot be reopened (ENXIO): refused like a socket.
                read.Dispose();
                var refused = Assert.Throws<ArgumentException>(() => Popen.Start(["true"], stdout: Redirect.FromHandle(write)));
                Assert.Contains(fifo, refused.Message, StringComparison.Ordinal);
            });
        }
        finally
        {
            File.Delete(fifo);
        }

        static SafeFdHandle OpenFifo(string path, int access)
        {
            Assert.Equal(0, Interop.TryOpen(path, access | Interop.O_NONBLOCK | Interop.O_CLOEXEC, out int fd));
            return new SafeFdHandle(fd);
        }
    }

    [Fact]
    public void A_non_blocking_socket_is_refused_as_stdio_with_what_to_do_and_a_blocking_one_works()
    {
        Run(async () =>
        {
            SafeFdHandle.CreateSocketPair(out SafeFdHandle ours, out SafeFdHandle theirs, nonBlocking: true);
            using (ours)
            using (theirs)
            {
                // A socket cannot be reopened: the child would share our O_NONBLOCK, and clearing it would stall us.
                var refused = Assert.Throws<ArgumentException>(() => Popen.Start(["cat"], stdin: Redirect.FromHandle(theirs)));
                Assert.Contains("socket", refused.Message, StringComparison.Ordinal);
                Assert.Contains("SetNonBlocking(false)", refused.Message, StringComparison.Ordinal);
                Assert.Contains("Redirect.Pipe", refused.Message, StringComparison.Ordinal);
                Assert.True(theirs.IsNonBlocking()); // refused: untouched, still open
                Assert.False(theirs.IsClosed);

                // Made blocking by its owner (who knows no green code of this process uses it), it is given as is.
                theirs.SetNonBlocking(false);
                using var stream = new GreenStream(ours, FileAccess.ReadWrite, ownsHandle: false);
                using Popen cat = Popen.Start(["cat"], stdin: Redirect.FromHandle(theirs), stdout: Redirect.FromHandle(theirs));
                using var killCat = cat.Killing();
                theirs.Dispose();
                await stream.WriteAsync("over a socket\n"u8.ToArray());
                var buffer = new byte[64];
                int n;
                using (GreenTimeout.Start(TimeSpan.FromSeconds(20)))
                {
                    n = await stream.ReadAsync(buffer);
                }

                Assert.Equal("over a socket\n", Encoding.ASCII.GetString(buffer, 0, n));
            }
        });
    }

    [Fact]
    public void A_non_blocking_socket_passed_as_an_extra_fd_keeps_its_mode()
    {
        Run(async () =>
        {
            // PassFds is a protocol with a child written for it (socket activation, gipc), which sets the mode it
            // wants: a socket, which cannot be reopened, goes as it is.
            SafeFdHandle.CreateSocketPair(out SafeFdHandle ours, out SafeFdHandle theirs, nonBlocking: true);
            using (ours)
            using (theirs)
            {
                using Popen cat = Popen.Start(["cat", "/proc/self/fdinfo/3"], new PopenOptions
                {
                    Stdout = Redirect.Pipe,
                    PassFds = new Dictionary<int, SafeHandle> { [3] = theirs },
                });
                using var killCat = cat.Killing();
                string text = Encoding.ASCII.GetString((await cat.CommunicateAsync(timeout: TimeSpan.FromSeconds(20))).Stdout!);
                Assert.Equal(O_NONBLOCK, FlagsLines(text).Single() & O_NONBLOCK);
            }
        });
    }

    [Fact]
    public void An_inherited_non_blocking_stdin_pipe_is_blocking_in_the_grandchild()
    {
        Run(async () =>
        {
            // Changing this process's own stdin would disturb the other tests: the test child makes its stdin (a pipe
            // from here) non-blocking and starts `cat /proc/self/fdinfo/0` with Redirect.Inherit.
            using Popen child = Popen.Start(Child("inherit-nonblocking"), stdin: Redirect.Pipe, stdout: Redirect.Pipe);
            using var killChild = child.Killing();
            (byte[]? stdout, _) = await child.CommunicateAsync(timeout: TimeSpan.FromSeconds(20));
            string text = Encoding.ASCII.GetString(stdout!);
            Assert.Equal(0, FlagsLines(text).Single() & O_NONBLOCK);
            Assert.Contains("stdin here: non-blocking", text, StringComparison.Ordinal);
            Assert.Equal(0, child.ReturnCode);
        });
    }

    private static async Task<string> ReadToEndAsync(GreenStream stream)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        using (GreenTimeout.Start(TimeSpan.FromSeconds(20)))
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                all.Write(buffer, 0, n);
            }
        }

        return Encoding.ASCII.GetString(all.ToArray());
    }

    /// <summary>The "flags:" values (octal) of the fdinfo text the child printed, in order.</summary>
    private static int[] FlagsLines(string fdinfo) => fdinfo.Split('\n')
        .Where(line => line.StartsWith("flags:", StringComparison.Ordinal))
        .Select(line => Convert.ToInt32(line["flags:".Length..].Trim(), 8))
        .ToArray();
}
