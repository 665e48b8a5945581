using System;
using System.Threading.Tasks;

namespace GreenProc.ExampleTests;

public class EchoServerTests
{
    [Theory]
    [InlineData("epoll")]
    [InlineData("poll")]
    public async Task Both_echo_servers_serve_a_hundred_clients_and_stop_with_no_connection_left(string reactor)
    {
        (int code, string stdout, string stderr) = await GreenDemoTests.RunExampleAsync("EchoServer", reactor);

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Matches(@"GreenServer: 100 of 100 clients x 10 round trips echoed intact in \d+ ms", stdout);
        Assert.Matches(@"bare hub: 100 of 100 clients x 10 round trips echoed intact in \d+ ms", stdout);
        Assert.Contains("bare hub: acceptor killed = True, connections left = 0", stdout, StringComparison.Ordinal);
        Assert.Contains("GreenServer: stopped, connections left = 0", stdout, StringComparison.Ordinal);
    }
}
