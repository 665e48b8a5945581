using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace GreenProc.ExampleTests;

public class GreenDemoTests
{
    [Theory]
    [InlineData("epoll")]
    [InlineData("poll")]
    public async Task The_runtime_demo_runs_to_its_end_and_prints_each_behaviour(string reactor)
    {
        (int code, string stdout, string stderr) = await RunExampleAsync("GreenDemo", reactor);

        Assert.True(code == 0, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Contains("interleaving:  1A 2A 1B 2B", stdout, StringComparison.Ordinal);
        Assert.Contains("10,000 greenlets slept 50 ms concurrently", stdout, StringComparison.Ordinal);
        Assert.Contains("pipe ping-pong: 10,000 round trips", stdout, StringComparison.Ordinal);
        Assert.Contains("timeout:       The GreenTimeout of 00:00:00.0200000 started by greenlet 'main' expired.", stdout, StringComparison.Ordinal);
        Assert.Contains("link:          'victim' is dead (killed = True)", stdout, StringComparison.Ordinal);
        Assert.Matches(@"RunBlocking:   the hub ticked [1-9]\d* times", stdout);
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> RunExampleAsync(string name, string reactor, bool apphost = false, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built beside the tests");
        string host = Path.Combine(AppContext.BaseDirectory, name);
        Assert.True(!apphost || File.Exists(host), $"{host} (the apphost) was not built beside the tests");
        var psi = new ProcessStartInfo(apphost ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!apphost)
        {
            psi.ArgumentList.Add(dll);
        }

        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["GREENPROC_REACTOR"] = reactor;
        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var deadline = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true); // never leave the child behind, even when the test fails
                await process.WaitForExitAsync();
            }
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
