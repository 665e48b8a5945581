using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace GreenProc.ClusterBench;

/// <summary>CPU time of processes from /proc (utime + stime, in USER_HZ ticks of 10 ms: read over rounds of a second
/// or more), and a process's children.</summary>
internal static class ProcStats
{
    public const double TickSeconds = 0.01;

    /// <summary>utime + stime of <paramref name="pid"/> in ticks; 0 if it is gone.</summary>
    public static long Ticks(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from 3 (state) on
            return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture); // 14 utime, 15 stime
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    public static long Ticks(IEnumerable<int> pids)
    {
        long sum = 0;
        foreach (int pid in pids)
        {
            sum += Ticks(pid);
        }

        return sum;
    }

    /// <summary>The children of <paramref name="pid"/> (every thread's), from /proc/PID/task/*/children.</summary>
    public static List<int> Children(int pid)
    {
        var pids = new List<int>();
        try
        {
            foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (string child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        pids.Add(int.Parse(child, CultureInfo.InvariantCulture));
                    }
                }
                catch (IOException)
                {
                    // the thread ended meanwhile
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the process is gone
        }

        return pids;
    }

    /// <summary>Whether <paramref name="pid"/> still runs (exists and is not a zombie).</summary>
    public static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
