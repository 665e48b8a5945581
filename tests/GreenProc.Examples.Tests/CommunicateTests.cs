using System;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace GreenProc.ExampleTests;

public class CommunicateTests
{
    [Theory]
    [InlineData("epoll")]
    [InlineData("poll")]
    public async Task The_heartbeat_keeps_beating_while_the_child_runs_and_100_communicates_succeed(string reactor)
    {
        (int code, string stdout, string stderr) = await GreenDemoTests.RunExampleAsync("Communicate", reactor);

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        string[] lines = stdout.Split('\n');
        int childLine = Array.FindIndex(lines, l => l.StartsWith("child exited with 0", StringComparison.Ordinal));
        Assert.True(childLine >= 0, stdout);
        Assert.EndsWith("wrote: Linux", lines[childLine], StringComparison.Ordinal);

        // `sleep 1` at one beat per 0.2 s: the hub was free throughout, so at least 4 beats came before the output.
        Assert.True(lines.Take(childLine).Count(l => l.StartsWith("heartbeat ", StringComparison.Ordinal)) >= 4, stdout);
        Assert.Matches(new Regex(@"100 concurrent communicates \(64 KiB each way\): 100 echoed intact in \d+ ms"), stdout);
    }
}
