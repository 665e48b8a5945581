using System;
using System.IO;
using GreenProc.Tests;
using static GreenProc.Subprocess.Tests.ChildHelpers;

namespace GreenProc.Subprocess.Tests;

/// <summary>Redirect.ToFile and FromFile: what the child's writes do to the file.</summary>
public sealed class FileRedirectTests : HubTestBase
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;

    [Fact]
    public void Append_writes_after_what_the_file_holds_even_from_two_streams()
    {
        string file = Path.Combine(Path.GetTempPath(), $"greenproc-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(file, "first;");
            Run(async () =>
            {
                using Popen p = Popen.Start(["printf", "PEAR"], stdout: Redirect.ToFile(file, append: true));
                using var killP = p.Killing();
                Assert.Equal(0, await p.WaitAsync(TimeSpan.FromSeconds(20)));
                Assert.Equal("first;PEAR", File.ReadAllText(file));

                // stdout and stderr open the file separately: each write still lands at the end (O_APPEND), none
                // overwrites the other's.
                using Popen both = Popen.Start(Sh("printf out; printf err >&2; printf more"),
                    stdout: Redirect.ToFile(file, append: true), stderr: Redirect.ToFile(file, append: true));
                using var killBoth = both.Killing();
                Assert.Equal(0, await both.WaitAsync(TimeSpan.FromSeconds(20)));
                Assert.Equal("first;PEARouterrmore", File.ReadAllText(file));
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Without_append_the_file_is_truncated_and_a_missing_one_created()
    {
        string file = Path.Combine(Path.GetTempPath(), $"greenproc-{Guid.NewGuid():N}.txt");
        try
        {
            Run(async () =>
            {
                using Popen create = Popen.Start(["printf", "created"], stdout: Redirect.ToFile(file, append: true));
                using var killCreate = create.Killing();
                Assert.Equal(0, await create.WaitAsync(TimeSpan.FromSeconds(20)));
                Assert.Equal("created", File.ReadAllText(file));

                File.WriteAllText(file, "a much longer first content\n");
                using Popen p = Popen.Start(["printf", "x"], stdout: Redirect.ToFile(file));
                using var killP = p.Killing();
                Assert.Equal(0, await p.WaitAsync(TimeSpan.FromSeconds(20)));
                Assert.Equal("x", File.ReadAllText(file));
            });
        }
        finally
        {
            File.Delete(file);
        }
    }
}
