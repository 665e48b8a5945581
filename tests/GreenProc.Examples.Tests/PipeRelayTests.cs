using System.Linq;
using System.Threading.Tasks;

namespace GreenProc.ExampleTests;

public class PipeRelayTests
{
    [Theory]
    [InlineData("epoll", false)]
    [InlineData("poll", false)]
    [InlineData("epoll", true)]
    public async Task The_child_relays_hi_ten_times_in_order(string reactor, bool apphost)
    {
        // `dotnet PipeRelay.dll` and the apphost `./PipeRelay`: StartProcess relaunches whichever runs it.
        (int code, string stdout, string stderr) = await GreenDemoTests.RunExampleAsync("PipeRelay", reactor, apphost);

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        string[] lines = stdout.Trim().Split('\n');
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"hi in {i}"), lines.Take(10));
        Assert.Matches(@"^child Run \(pid \d+\) exited with 0$", lines[10]);
        Assert.Equal(11, lines.Length);
    }
}
