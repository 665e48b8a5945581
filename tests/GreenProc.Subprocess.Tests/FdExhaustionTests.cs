using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Subprocess;
using GreenProc.Tests;
using static GreenProc.Subprocess.Tests.ChildHelpers;

namespace GreenProc.Subprocess.Tests;

/// <summary>
/// EMFILE (issue 17's fault injection): a child run under a lowered RLIMIT_NOFILE (util-linux's prlimit) fills its
/// descriptor table with pipes, then needs descriptors for a pipe, a Popen and a hub. Each fails at once with a
/// <see cref="NativeIOException"/> that names EMFILE, or succeeds where one descriptor was left; none hangs or crashes;
/// once the pipes are closed a Popen works again, no descriptor is left behind and no child is left unreaped
/// (tests/GreenProc.TestChild/FdExhaustion.cs).
/// </summary>
public sealed class FdExhaustionTests
{
    [Theory]
    [InlineData(90)]
    [InlineData(101)]
    [InlineData(256)]
    public void A_full_descriptor_table_fails_each_call_clearly_and_leaks_nothing(int limit)
    {
        Dictionary<string, string> found = TestHub.Run(ReactorKind.Epoll, async () =>
        {
            using Popen child = Popen.Start(["prlimit", $"--nofile={limit}:{limit}", .. Child("fd-exhaustion")], stdout: Redirect.Pipe, stderr: Redirect.Pipe);
            (byte[]? output, byte[]? error) = await child.CommunicateAsync(timeout: TimeSpan.FromSeconds(60));
            Assert.True(child.ReturnCode == 0, $"exit {child.ReturnCode}; stderr: {System.Text.Encoding.UTF8.GetString(error!)}");
            return System.Text.Encoding.UTF8.GetString(output!).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' ', 2))
                .Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0], kv => kv[1]);
        });

        Assert.True(int.Parse(found["held"], System.Globalization.CultureInfo.InvariantCulture) > 10, found["held"]);
        Assert.StartsWith("NativeIOException", found["pipe"], StringComparison.Ordinal);
        Assert.Contains("EMFILE", found["pipe"], StringComparison.Ordinal);
        Assert.Contains("EMFILE", found["popen"], StringComparison.Ordinal);
        Assert.Contains("EMFILE", found["hub"], StringComparison.Ordinal);
        foreach (string key in new[] { "hub-one-free", "popen-no-pipes" })
        {
            Assert.True(found[key] == "no error" || (found[key].StartsWith("NativeIOException", StringComparison.Ordinal) && found[key].Contains("EMFILE", StringComparison.Ordinal)), $"{key}: {found[key]}");
        }

        Assert.Equal("0", found["children"]);
        Assert.Equal("3", found["recovered"]);
        Assert.Equal("0", found["leaked"]);
    }
}
