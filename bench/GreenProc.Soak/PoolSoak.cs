using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Ipc;

namespace GreenProc.Soak;

/// <summary>
/// The pool soak (issue 17): N tasks through a <see cref="ProcessPool"/>, in order, every result checked against the
/// same function computed here; the heap and RSS sampled every second from a timer.
/// </summary>
internal static class PoolSoak
{
    public static async Task<(long Wrong, double Seconds, List<string> Samples)> RunAsync(long tasks, int workers)
    {
        var samples = new List<string> { "seconds,done,heap_mb,rss_mb" };
        var clock = Stopwatch.StartNew();
        long done = 0;
        using var sampler = new Timer(_ =>
        {
            lock (samples)
            {
                samples.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F1},{Interlocked.Read(ref done)},{GC.GetTotalMemory(false) / 1048576.0:F1},{Memory.Rss() / 1048576.0:F1}"));
            }
        }, null, TimeSpan.Zero, TimeSpan.FromSeconds(1));

        long wrong = 0;
        await using (var pool = new ProcessPool(new ProcessPoolOptions { Workers = workers }))
        {
            long i = 0;
            await foreach (ulong r in pool.Imap<long, ulong>(Mix, Range(tasks)))
            {
                wrong += r == Mix(i++) ? 0 : 1;
                Interlocked.Increment(ref done);
            }

            wrong += i == tasks ? 0 : 1;
        }

        return (wrong, clock.Elapsed.TotalSeconds, samples);
    }

    private static IEnumerable<long> Range(long n)
    {
        for (long i = 0; i < n; i++)
        {
            yield return i;
        }
    }

    /// <summary>The task: a mix of its argument's bits (cheap, and any mix-up of arguments or results shows).</summary>
    public static ulong Mix(long x)
    {
        ulong z = (ulong)x + 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
