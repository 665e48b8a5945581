using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace GreenProc.Soak;

/// <summary>The soaks' memory readings.</summary>
internal static class Memory
{
    /// <summary>A process's resident set, from /proc (this process's by default; 0 once it is gone).</summary>
    public static long Rss(int? pid = null)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{(pid is { } p ? p.ToString(CultureInfo.InvariantCulture) : "self")}/status")
                .FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>A greenlet that appends <paramref name="row"/>'s CSV line to <paramref name="samples"/> every second until
    /// <paramref name="done"/> says so.</summary>
    public static Greenlet Sampler(List<string> samples, Func<string> row, Func<bool> done) => Green.Spawn(async () =>
    {
        while (!done())
        {
            samples.Add(row());
            await Green.Sleep(TimeSpan.FromSeconds(1));
        }
    }, "sampler");
}
