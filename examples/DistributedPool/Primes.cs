using System;

namespace DistributedPoolDemo;

/// <summary>A task of the job: count the primes in [<see cref="Start"/>, <see cref="End"/>).</summary>
/// <param name="Index">Its place in the job (results are checked by it).</param>
/// <param name="Start">The first number.</param>
/// <param name="End">One past the last number.</param>
public readonly record struct PrimeRange(int Index, long Start, long End);

/// <summary>What a node's worker answers for one range.</summary>
/// <param name="Index">The range's index.</param>
/// <param name="Primes">How many primes it holds.</param>
/// <param name="Silo">The silo whose pool ran it (told to each worker at its start).</param>
/// <param name="Pid">The worker process that ran it.</param>
public readonly record struct RangeCount(int Index, long Primes, int Silo, int Pid);

/// <summary>
/// The CPU-bound job, prime counting by trial division (slow on purpose, so the work dwarfs the messages), and an
/// independent answer to check every result against.
/// </summary>
public static class Primes
{
    private static int s_silo = -1; // in a worker: the silo whose pool started it

    /// <summary>
    /// The node pools' initializer: each worker runs it once, before its first task, with its silo's number
    /// (<c>ProcessPoolOptions.InitializerArgument</c>), so that every result says which node computed it.
    /// </summary>
    public static void OnWorkerStart(int silo) => s_silo = silo;

    /// <summary>
    /// The task, registered on every node and run in a node's worker process: tests each number of the range by
    /// dividing it by 5, 7, 11, 13, ... (the numbers 6k ± 1) up to its square root.
    /// </summary>
    public static RangeCount CountRange(PrimeRange range)
    {
        long count = 0;
        for (long n = range.Start; n < range.End; n++)
        {
            if (IsPrime((uint)n))
            {
                count++;
            }
        }

        return new RangeCount(range.Index, count, s_silo, Environment.ProcessId);
    }

    private static bool IsPrime(uint n)
    {
        if (n < 4)
        {
            return n >= 2;
        }

        if (n % 2 == 0 || n % 3 == 0)
        {
            return false;
        }

        uint limit = (uint)Math.Sqrt(n);
        for (uint d = 5; d <= limit; d += 6)
        {
            if (n % d == 0 || n % (d + 2) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Cuts [0, n) into <paramref name="count"/> ranges of about equal work. Testing x costs up to √x divisions, so the
    /// work below x grows as x^1.5: the i-th boundary goes where that reaches i/count of the whole, n·(i/count)^(2/3).
    /// </summary>
    public static PrimeRange[] Split(long n, int count)
    {
        var ranges = new PrimeRange[count];
        long start = 0;
        for (int i = 0; i < count; i++)
        {
            long end = i == count - 1 ? n : Math.Max(start, (long)(n * Math.Pow((i + 1.0) / count, 2.0 / 3.0)));
            ranges[i] = new PrimeRange(i, start, end);
            start = end;
        }

        return ranges;
    }

    /// <summary>
    /// Every range's count by another method, here in this process: a sieve of Eratosthenes over the odd numbers below
    /// n (a byte each: 30 MB and a fraction of a second for the default size).
    /// </summary>
    public static long[] Expected(PrimeRange[] ranges)
    {
        long n = ranges[^1].End;
        var composite = new bool[(n + 1) / 2]; // composite[k]: 2k + 1 is not a prime (k = 0, the number 1, is set below)
        if (composite.Length > 0)
        {
            composite[0] = true;
        }

        for (long p = 3; p * p < n; p += 2)
        {
            if (!composite[p / 2])
            {
                for (long m = p * p; m < n; m += 2 * p)
                {
                    composite[m / 2] = true;
                }
            }
        }

        var counts = new long[ranges.Length];
        foreach (PrimeRange r in ranges)
        {
            long count = r.Start <= 2 && r.End > 2 ? 1 : 0; // 2, the one even prime
            for (long k = r.Start | 1; k < r.End; k += 2)
            {
                if (!composite[k / 2])
                {
                    count++;
                }
            }

            counts[r.Index] = count;
        }

        return counts;
    }
}
