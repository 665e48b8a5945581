using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using CliWrap;
using CliWrap.Exceptions;
using GreenProc.Tests;

namespace GreenProc.Subprocess.Tests;

/// <summary>CliWrap commands started as green children.</summary>
public sealed class CliWrapAdapterTests : HubTestBase
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;

    [Theory]
    [InlineData("plain")]
    [InlineData("two words")]
    [InlineData("quote \" inside")]
    [InlineData("trailing backslash\\")]
    [InlineData("back\\\\slashes \\\" mixed")]
    [InlineData("")]
    [InlineData("tab\tand 'single'")]
    public void Arguments_survive_cliwraps_escaping(string argument)
    {
        Run(async () =>
        {
            Command command = Cli.Wrap("printf").WithArguments(["[%s]", argument, "next"]);
            using Popen p = command.StartPopen(new PopenOptions { Stdout = Redirect.Pipe });
            (byte[]? o, _) = await p.CommunicateAsync();
            Assert.Equal($"[{argument}][next]", Encoding.UTF8.GetString(o!));
        });
    }

    [Fact]
    public void Working_directory_and_environment_come_from_the_command()
    {
        Run(async () =>
        {
            Command command = Cli.Wrap("sh")
                .WithArguments(["-c", "echo \"$(pwd)|$GP_SET|${HOME-unset}\""])
                .WithWorkingDirectory("/tmp")
                .WithEnvironmentVariables(new Dictionary<string, string?> { ["GP_SET"] = "set", ["HOME"] = null });
            using Popen p = command.StartPopen(new PopenOptions { Stdout = Redirect.Pipe });
            (byte[]? o, _) = await p.CommunicateAsync();
            Assert.Equal("/tmp|set|unset\n", Encoding.UTF8.GetString(o!));
        });
    }

    [Fact]
    public void Execute_green_pumps_cliwraps_pipes_and_validates()
    {
        Run(async () =>
        {
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            CommandResult result = await Cli.Wrap("sh")
                .WithArguments(["-c", "cat; echo done >&2"])
                .WithStandardInputPipe(PipeSource.FromString("piped in\n"))
                .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
                .ExecuteGreenAsync();
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("piped in\n", stdout.ToString());
            Assert.Equal("done\n", stderr.ToString());

            var failed = await Assert.ThrowsAsync<CommandExecutionException>(() => Cli.Wrap("false").ExecuteGreenAsync());
            Assert.Equal(1, failed.ExitCode);

            CommandResult accepted = await Cli.Wrap("false").WithValidation(CommandResultValidation.None).ExecuteGreenAsync();
            Assert.Equal(1, accepted.ExitCode);
        });
    }

    [Fact]
    public void A_missing_target_is_a_process_start_exception()
    {
        Run(async () =>
        {
            await Assert.ThrowsAsync<ProcessStartException>(() => Cli.Wrap("greenproc-missing-program").ExecuteGreenAsync());
            Assert.Throws<ProcessStartException>(() => Cli.Wrap("greenproc-missing-program").StartPopen());
        });
    }
}
