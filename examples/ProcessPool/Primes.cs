using System;
using System.Collections.Generic;

namespace ProcessPoolDemo;

/// <summary>A slice of the job: count the primes in [<see cref="Start"/>, <see cref="End"/>).</summary>
/// <param name="Index">Its place in the job (results are checked and summed by it).</param>
/// <param name="Start">The first number.</param>
/// <param name="End">One past the last number.</param>
public readonly record struct PrimeRange(int Index, long Start, long End);

/// <summary>What a worker answers for one range.</summary>
/// <param name="Index">The range's index.</param>
/// <param name="Primes">How many primes it holds.</param>
/// <param name="Divisions">How many trial divisions that took: the unit of work, so throughputs compare fairly.</param>
/// <param name="Pid">The worker process that ran it.</param>
public readonly record struct RangeCount(int Index, long Primes, long Divisions, int Pid);

/// <summary>The CPU-bound job: prime counting by trial division (slow on purpose), and an independent check.</summary>
public static class Primes
{
    /// <summary>
    /// The pool task (runs in a worker process): counts the primes of the range by dividing each odd candidate by
    /// every odd number up to its square root. A static method, so the pool can name it to a worker.
    /// </summary>
    public static RangeCount CountRange(PrimeRange range)
    {
        long primes = 0, divisions = 0;
        for (long n = Math.Max(range.Start, 2); n < range.End; n++)
        {
            if (n < 4)
            {
                primes++; // 2 and 3
                continue;
            }

            if ((n & 1) == 0)
            {
                continue;
            }

            // 32-bit arithmetic while it fits (2-3x faster divisions); the demo's --n is at most 2^31.
            uint candidate = (uint)n, limit = (uint)Math.Sqrt(n);
            bool prime = true;
            for (uint d = 3; d <= limit; d += 2)
            {
                divisions++;
                if (candidate % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            if (prime)
            {
                primes++;
            }
        }

        return new RangeCount(range.Index, primes, divisions, Environment.ProcessId);
    }

    /// <summary>
    /// Splits [0, n) into <paramref name="count"/> ranges of about equal work: testing k costs about √k, so the work
    /// below x grows like x^1.5 and the boundaries go at n·(i/count)^(2/3). Equal tasks keep the workers evenly loaded
    /// and the progress bar's pace steady.
    /// </summary>
    public static PrimeRange[] Split(long n, int count)
    {
        var ranges = new List<PrimeRange>(count);
        long start = 0;
        for (int i = 1; i <= count; i++)
        {
            long end = i == count ? n : (long)Math.Round(n * Math.Pow((double)i / count, 2.0 / 3.0));
            if (end > start)
            {
                ranges.Add(new PrimeRange(ranges.Count, start, end));
                start = end;
            }
        }

        return [.. ranges];
    }

    /// <summary>
    /// The primes of each range by another method, a segmented sieve of Eratosthenes (in this process, in well under a
    /// second for the default size): every worker's answer is checked against it.
    /// </summary>
    public static long[] SieveCounts(IReadOnlyList<PrimeRange> ranges)
    {
        long n = ranges.Count == 0 ? 0 : ranges[^1].End;
        int root = (int)Math.Sqrt(n) + 1;
        var small = new bool[root + 1]; // composite flags up to √n
        var basePrimes = new List<int>();
        for (int p = 2; p <= root; p++)
        {
            if (!small[p])
            {
                basePrimes.Add(p);
                for (long m = (long)p * p; m <= root; m += p)
                {
                    small[m] = true;
                }
            }
        }

        var counts = new long[ranges.Count];
        bool[] composite = [];
        foreach (PrimeRange r in ranges)
        {
            int length = checked((int)(r.End - r.Start));
            if (composite.Length < length)
            {
                composite = new bool[length];
            }

            Array.Clear(composite, 0, length);
            foreach (int p in basePrimes)
            {
                long first = Math.Max((long)p * p, (r.Start + p - 1) / p * p);
                for (long m = first; m < r.End; m += p)
                {
                    composite[m - r.Start] = true;
                }
            }

            long count = 0;
            for (long k = Math.Max(r.Start, 2); k < r.End; k++)
            {
                if (!composite[k - r.Start])
                {
                    count++;
                }
            }

            counts[r.Index] = count;
        }

        return counts;
    }
}
