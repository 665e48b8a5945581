using System;
using System.Collections.Generic;
using System.Text;
using CliWrap;
using GreenProc.Tests;
using static GreenProc.Subprocess.Tests.ChildHelpers;

namespace GreenProc.Subprocess.Tests;

/// <summary>What an environment can carry: names and values are C strings in the child's environ block.</summary>
public sealed class EnvironmentTests : HubTestBase
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;

    [Fact]
    public void A_nul_in_a_value_is_refused_on_every_path_like_one_in_a_name()
    {
        Run(async () =>
        {
            var whole = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["GP_VALUE"] = "before\0after" };
            var overrides = new Dictionary<string, string?> { ["GP_VALUE"] = "before\0after" };

            var replaced = Assert.Throws<ArgumentException>(() => Popen.Start(["true"], env: whole));
            Assert.Contains("'GP_VALUE'", replaced.Message, StringComparison.Ordinal);
            Assert.Contains("NUL", replaced.Message, StringComparison.Ordinal);
            Assert.Equal("options", replaced.ParamName);

            var overridden = Assert.Throws<ArgumentException>(() => Popen.Start(["true"], new PopenOptions { EnvironmentOverrides = overrides }));
            Assert.Contains("'GP_VALUE'", overridden.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ArgumentException>(() => Popen.StartAsync(["true"], new PopenOptions { EnvironmentOverrides = overrides }));
            await Assert.ThrowsAsync<ArgumentException>(() => Subprocess.RunAsync(["true"], new RunOptions { Environment = whole }));
            var viaCliWrap = await Assert.ThrowsAsync<ArgumentException>(() => Cli.Wrap("true").WithEnvironmentVariables(overrides).ExecuteGreenAsync());
            Assert.Contains("'GP_VALUE'", viaCliWrap.Message, StringComparison.Ordinal);

            // The same refusal as for a name: the type and the shape of the message.
            var name = Assert.Throws<ArgumentException>(() => Popen.Start(["true"], new PopenOptions { EnvironmentOverrides = new Dictionary<string, string?> { ["GP\0NAME"] = "x" } }));
            Assert.Equal("options", name.ParamName);

            // A removal (null) and an empty value are fine.
            using Popen fine = Popen.Start(Sh("printf '[%s][%s]' \"${GP_EMPTY-unset}\" \"${HOME-unset}\""), new PopenOptions
            {
                Stdout = Redirect.Pipe,
                EnvironmentOverrides = new Dictionary<string, string?> { ["GP_EMPTY"] = "", ["HOME"] = null },
            });
            using var killFine = fine.Killing();
            Assert.Equal("[][unset]", Encoding.UTF8.GetString((await fine.CommunicateAsync(timeout: TimeSpan.FromSeconds(20))).Stdout!));
        });
    }
}
