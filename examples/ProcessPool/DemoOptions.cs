using System;
using System.Globalization;

namespace ProcessPoolDemo;

/// <summary>The command line: <c>[--n N] [--workers W] [--kill-a-worker]</c>.</summary>
public sealed record DemoOptions
{
    public const string Usage = """
        usage: dotnet run --project examples/ProcessPool -- [--n N] [--workers W] [--kill-a-worker]
          --n N             count the primes below N (default 60,000,000: ~12 s on 2 CPUs; 1,000 .. 2,000,000,000)
          --workers W       worker processes (default: one per CPU, here {0})
          --kill-a-worker   SIGKILL one busy worker halfway: its task fails alone and is retried, the job completes
        """;

    /// <summary>The default size: about 17 s of trial division on one core of the 2-CPU machines this was written on.</summary>
    public const long DefaultN = 60_000_000;

    public long N { get; init; } = DefaultN;

    public int Workers { get; init; } = Environment.ProcessorCount;

    public bool KillAWorker { get; init; }

    public bool Help { get; init; }

    public static string UsageText => string.Format(CultureInfo.InvariantCulture, Usage, Environment.ProcessorCount);

    /// <summary>Reads the arguments; a bad one is a <see cref="FormatException"/> saying which.</summary>
    public static DemoOptions Parse(string[] args)
    {
        var options = new DemoOptions();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--n":
                    options = options with { N = Number(args, ++i, "--n", 1_000, 2_000_000_000) };
                    break;
                case "--workers":
                    options = options with { Workers = (int)Number(args, ++i, "--workers", 1, 1_024) };
                    break;
                case "--kill-a-worker":
                    options = options with { KillAWorker = true };
                    break;
                case "-h" or "--help":
                    options = options with { Help = true };
                    break;
                default:
                    throw new FormatException($"unknown argument '{args[i]}'");
            }
        }

        return options;
    }

    private static long Number(string[] args, int i, string name, long min, long max)
    {
        if (i >= args.Length)
        {
            throw new FormatException($"{name} needs a number");
        }

        // 50000000, 50_000_000 and 50,000,000 all read as fifty million.
        string text = args[i].Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw new FormatException($"{name} takes a whole number from {min:N0} to {max:N0}, not '{args[i]}'");
        }

        return value;
    }
}
