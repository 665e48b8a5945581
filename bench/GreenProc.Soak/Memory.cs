using System;
using System.Globalization;
using System.IO;

namespace GreenProc.Soak;

internal static class Memory
{
    /// <summary>This process's resident set, from /proc/self/status.</summary>
    public static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
