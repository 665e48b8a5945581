using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GreenProc.Tests;

/// <summary>
/// Issue 17's accounting of child processes: this process's children, read from /proc (ppid and state), so that a
/// test can show it left none running and no zombie (a child that exited and was never reaped).
/// </summary>
internal static class ProcessCensus
{
    /// <summary>This process's children as "pid (comm) state", sorted by pid.</summary>
    public static string[] Children()
    {
        int self = Environment.ProcessId;
        var children = new List<(int Pid, string Entry)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile
            }

            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
            int close = stat.LastIndexOf(')');
            string[] rest = stat[(close + 2)..].Split(' ', 3);
            if (int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture) == self)
            {
                children.Add((pid, $"{pid} {stat[(stat.IndexOf('(', StringComparison.Ordinal))..(close + 1)]} {rest[0]}"));
            }
        }

        return children.OrderBy(c => c.Pid).Select(c => c.Entry).ToArray();
    }

    /// <summary>The children in <see cref="Children"/> now that were not in <paramref name="before"/>.</summary>
    public static string[] NewSince(string[] before) => Children().Where(c => !before.Contains(c, StringComparer.Ordinal)).ToArray();
}
