using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Tests;
using static GreenProc.Subprocess.Tests.ChildHelpers;

namespace GreenProc.Subprocess.Tests;

/// <summary>The run API: RunAsync, CheckOutputAsync, CallAsync, CheckCallAsync.</summary>
public sealed class RunTests : HubTestBase
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;

    [Fact]
    public void Run_captures_both_streams_and_returns_the_code()
    {
        Run(async () =>
        {
            CompletedProcess done = await Subprocess.RunAsync(Sh("echo out; echo err >&2; exit 3"), new RunOptions { CaptureOutput = true });
            Assert.Equal(3, done.ReturnCode);
            Assert.Equal("out\n", done.StdoutText);
            Assert.Equal("err\n", done.StderrText);
            Assert.Equal(new[] { "sh", "-c", "echo out; echo err >&2; exit 3" }, done.Args);
        });
    }

    [Fact]
    public void Run_without_capture_returns_null_output()
    {
        Run(async () =>
        {
            CompletedProcess done = await Subprocess.RunAsync(["true"], new RunOptions { Stdout = Redirect.DevNull });
            Assert.Equal(0, done.ReturnCode);
            Assert.Null(done.Stdout);
            Assert.Null(done.StdoutText);
        });
    }

    [Fact]
    public void Input_text_is_encoded_and_output_decoded_with_the_encoding()
    {
        Run(async () =>
        {
            string text = "héllo wörld ✓\n";
            CompletedProcess utf8 = await Subprocess.RunAsync(["cat"], new RunOptions { InputText = text, CaptureOutput = true });
            Assert.Equal(text, utf8.StdoutText);
            Assert.Equal(Encoding.UTF8.GetBytes(text), utf8.Stdout);

            CompletedProcess latin1 = await Subprocess.RunAsync(["cat"], new RunOptions { InputText = "é", CaptureOutput = true, Encoding = Encoding.Latin1 });
            Assert.Equal(new byte[] { 0xE9 }, latin1.Stdout);
            Assert.Equal("é", latin1.StdoutText);

            CompletedProcess bytes = await Subprocess.RunAsync(["cat"], new RunOptions { Input = new byte[] { 0, 255, 10 }, CaptureOutput = true });
            Assert.Equal(new byte[] { 0, 255, 10 }, bytes.Stdout);
        });
    }

    [Fact]
    public void Check_raises_called_process_exception_with_the_code_and_output()
    {
        Run(async () =>
        {
            var e = await Assert.ThrowsAsync<CalledProcessException>(() =>
                Subprocess.RunAsync(Sh("echo partial; echo 'it broke' >&2; exit 4"), new RunOptions { CaptureOutput = true, Check = true }));
            Assert.Equal(4, e.ReturnCode);
            Assert.Equal("partial\n", e.StdoutText);
            Assert.Equal("it broke\n", e.StderrText);
            Assert.Contains("exited with code 4", e.Message, StringComparison.Ordinal);
            Assert.Contains("it broke", e.Message, StringComparison.Ordinal);
            Assert.Equal("sh -c 'echo partial; echo '\\''it broke'\\'' >&2; exit 4'", e.Command);

            var killed = await Assert.ThrowsAsync<CalledProcessException>(() => Subprocess.CheckCallAsync(Sh("kill -TERM $$")));
            Assert.Equal(-15, killed.ReturnCode);
            Assert.Contains("killed by signal 15", killed.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Check_output_returns_text_and_call_returns_the_code()
    {
        Run(async () =>
        {
            Assert.Equal("hi\n", await Subprocess.CheckOutputAsync(["echo", "hi"]));
            Assert.Equal("fed\n", await Subprocess.CheckOutputAsync(["cat"], new RunOptions { InputText = "fed\n" }));
            await Assert.ThrowsAsync<CalledProcessException>(() => Subprocess.CheckOutputAsync(["false"]));
            Assert.Equal(1, await Subprocess.CallAsync(["false"]));
            Assert.Equal(0, await Subprocess.CallAsync(["true"]));
            await Subprocess.CheckCallAsync(["true"]);
        });
    }

    [Fact]
    public void Every_entry_point_refuses_stdin_together_with_input()
    {
        Run(async () =>
        {
            // Python: "stdin and input arguments may not both be used." `cat` would succeed if either were dropped.
            RunOptions[] conflicting =
            [
                new() { Stdin = Redirect.DevNull, InputText = "x" },
                new() { Stdin = Redirect.DevNull, Input = new byte[] { (byte)'x' } },
            ];
            foreach (RunOptions options in conflicting)
            {
                var checkOutput = await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.CheckOutputAsync(["cat"], options));
                var run = await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.RunAsync(["cat"], options));
                await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.CallAsync(["cat"], options));
                await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.CheckCallAsync(["cat"], options));
                Assert.Equal(run.Message, checkOutput.Message);
                Assert.Contains("Stdin", checkOutput.Message, StringComparison.Ordinal);
                Assert.Contains("Input", checkOutput.Message, StringComparison.Ordinal);
            }

            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.CheckOutputAsync(["cat"], new RunOptions { InputText = "x", Input = new byte[1] }));
            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.CheckOutputAsync(["cat"], new RunOptions { Stdout = Redirect.DevNull }));
            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.CheckOutputAsync(["cat"], new RunOptions { CaptureOutput = true }));
        });
    }

    public static TheoryData<string, byte[]> MarkedOutputs() => new()
    {
        // The chosen encoding's own mark.
        { "utf-16", [0xFF, 0xFE, (byte)'h', 0, (byte)'i', 0] },
        { "utf-16BE", [0xFE, 0xFF, 0, (byte)'h', 0, (byte)'i'] },
        { "utf-32", [0xFF, 0xFE, 0, 0, (byte)'h', 0, 0, 0, (byte)'i', 0, 0, 0] },
        { "utf-32BE", [0, 0, 0xFE, 0xFF, 0, 0, 0, (byte)'h', 0, 0, 0, (byte)'i'] },
        { "utf-8", [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i'] }, // the default UTF-8 has no preamble of its own
        { "utf-8-bom", [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i'] },

        // No mark: nothing is dropped.
        { "utf-16", [(byte)'h', 0, (byte)'i', 0] },
        { "utf-8", [(byte)'h', (byte)'i'] },

        // The UTF-16 mark followed by U+0000 is that, not a UTF-32 mark, when UTF-16 was chosen.
        { "utf-16", [0xFF, 0xFE, 0, 0, (byte)'h', 0] },

        // A mark of another Unicode form decides, as StreamReader (and so Process.StandardOutput) decides.
        { "utf-16", [0xFE, 0xFF, 0, (byte)'h', 0, (byte)'i'] },
        { "utf-8", [0xFF, 0xFE, (byte)'h', 0, (byte)'i', 0] },
    };

    [Theory]
    [MemberData(nameof(MarkedOutputs))]
    public void Text_output_drops_a_byte_order_mark_as_stream_reader_does(string encodingName, byte[] output)
    {
        Encoding encoding = encodingName switch
        {
            "utf-16" => Encoding.Unicode,
            "utf-16BE" => Encoding.BigEndianUnicode,
            "utf-32" => Encoding.UTF32,
            "utf-32BE" => new UTF32Encoding(bigEndian: true, byteOrderMark: true),
            "utf-8-bom" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
            _ => new RunOptions().Encoding,
        };
        string expected = new System.IO.StreamReader(new System.IO.MemoryStream(output), encoding).ReadToEnd();
        Assert.DoesNotContain('\uFEFF', expected);
        Run(async () =>
        {
            CompletedProcess done = await Subprocess.RunAsync(Sh("tee /dev/stderr"), new RunOptions { Input = output, CaptureOutput = true, Encoding = encoding });
            Assert.Equal(expected, done.StdoutText);
            Assert.Equal(expected, done.StderrText);

            Assert.Equal(expected, await Subprocess.CheckOutputAsync(["cat"], new RunOptions { Input = output, Encoding = encoding }));

            var failed = await Assert.ThrowsAsync<CalledProcessException>(() => Subprocess.RunAsync(Sh("tee /dev/stderr; exit 3"),
                new RunOptions { Input = output, CaptureOutput = true, Check = true, Encoding = encoding }));
            Assert.Equal(expected, failed.StdoutText);
            Assert.Equal(expected, failed.StderrText);
            Assert.DoesNotContain('\uFEFF', failed.Message);
        });
    }

    [Fact]
    public void Run_timeout_kills_the_child_and_carries_its_output()
    {
        Run(async () =>
        {
            // The timeout has to outlast sh's start and its echo, and nothing inside RunAsync can be waited for instead:
            // 2 s is over 100 times what that takes here, so a loaded machine does not fail the test.
            var e = await Assert.ThrowsAsync<SubprocessTimeoutException>(() =>
                Subprocess.RunAsync(Sh("echo started; exec sleep 30"), new RunOptions { CaptureOutput = true, Timeout = TimeSpan.FromSeconds(2) }));
            Assert.Equal(TimeSpan.FromSeconds(2), e.Timeout);
            Assert.Equal("started\n", Encoding.ASCII.GetString(e.Stdout!));
            Assert.False(e.PipesHeldOpen);
        });
    }

    [Fact]
    public void Run_timeout_does_not_hang_when_a_grandchild_holds_the_pipes()
    {
        Run(async () =>
        {
            // Python's run(timeout) hangs here: it kills sh, then waits for EOF that the background sleep never gives.
            var e = await Assert.ThrowsAsync<SubprocessTimeoutException>(() =>
                Subprocess.RunAsync(Sh("sleep 30 & echo $!; exec sleep 30"), new RunOptions { CaptureOutput = true, Timeout = TimeSpan.FromSeconds(2) })); // see above
            Assert.True(e.PipesHeldOpen);
            int grandchild = int.Parse(Encoding.ASCII.GetString(e.Stdout!).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(0, Interop.Kill(grandchild, 9));
        });
    }

    [Fact]
    public void Cancelling_a_run_kills_the_child()
    {
        string pidFile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"greenproc-{Guid.NewGuid():N}.pid");
        try
        {
            Run(async () =>
            {
                using var cts = new CancellationTokenSource();
                Greenlet<CompletedProcess> run = Green.Spawn(() => Subprocess.RunAsync(
                    Sh($"echo $$ > {pidFile}.tmp; mv {pidFile}.tmp {pidFile}; exec sleep 30"), new RunOptions { CaptureOutput = true }, cts.Token));
                int pid = await PollAsync(() => System.IO.File.Exists(pidFile) ? int.Parse(System.IO.File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await run);
                await PollAsync(() => IsGone(pid) ? 1 : 0); // killed, then reaped in the background
            });
        }
        finally
        {
            System.IO.File.Delete(pidFile);
        }
    }

    /// <summary>Waits (bounded, 10 s) for a condition another process brings about; returns its non-zero value.</summary>
    private static async Task<int> PollAsync(Func<int> probe)
    {
        for (int i = 0; i < 2000; i++)
        {
            int value = probe();
            if (value != 0)
            {
                return value;
            }

            await Green.Sleep(TimeSpan.FromMilliseconds(5));
        }

        throw new TimeoutException("The condition did not come true within 10 s.");
    }

    [Fact]
    public void Dotnet_children_exit_with_codes_die_by_signals_echo_and_see_their_environment()
    {
        Run(async () =>
        {
            Assert.Equal(3, await Subprocess.CallAsync(Child("exit", "3")));
            Assert.Equal(-15, await Subprocess.CallAsync(Child("signal", "15")));
            Assert.Equal("round trip ✓", await Subprocess.CheckOutputAsync(Child("echo"), new RunOptions { InputText = "round trip ✓" }));
            Assert.Equal("set\n", await Subprocess.CheckOutputAsync(Child("env", "GP_CHILD_VAR"),
                new RunOptions { EnvironmentOverrides = new System.Collections.Generic.Dictionary<string, string?> { ["GP_CHILD_VAR"] = "set" } }));

            using Popen sleeper = Popen.Start(Child("park"));
            using var killSleeper = sleeper.Killing();
            sleeper.Kill();
            Assert.Equal(-9, await sleeper.WaitAsync());
        });
    }

    [Fact]
    public void Waiting_for_a_child_does_not_depend_on_a_grandchild_that_holds_its_pipe()
    {
        Run(async () =>
        {
            using Popen p = Popen.Start(Child("grandchild", "60"), stdout: Redirect.Pipe);
            var text = new StringBuilder(); // the pid line may arrive in two writes (digits, then the newline)
            var one = new byte[1];
            while (await p.Stdout!.ReadAsync(one) == 1 && one[0] != (byte)'\n')
            {
                text.Append((char)one[0]);
            }

            int grandchild = int.Parse(text.ToString(), System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                Assert.Equal(0, await p.WaitAsync()); // the child has exited; the grandchild still holds stdout
                Assert.False(IsGone(grandchild));
            }
            finally
            {
                Interop.Kill(grandchild, 9);
            }

            (byte[]? rest, _) = await p.CommunicateAsync(timeout: TimeSpan.FromSeconds(20)); // end of stream once it is gone
            Assert.Empty(rest!);
        });
    }

    [Fact]
    public void Conflicting_options_are_rejected()
    {
        Run(async () =>
        {
            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.RunAsync(["cat"], new RunOptions { InputText = "x", Stdin = Redirect.DevNull }));
            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.RunAsync(["cat"], new RunOptions { InputText = "x", Input = new byte[1] }));
            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.RunAsync(["true"], new RunOptions { CaptureOutput = true, Stdout = Redirect.DevNull }));
            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.CheckOutputAsync(["true"], new RunOptions { Stdout = Redirect.DevNull }));
            await Assert.ThrowsAsync<ProcessStartException>(() => Subprocess.RunAsync(["greenproc-missing-program"]));
        });
    }
}
