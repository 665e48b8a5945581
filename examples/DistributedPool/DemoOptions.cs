using System;
using System.Globalization;

namespace DistributedPoolDemo;

/// <summary>The command line: <c>[--n N] [--tasks T] [--silos S] [--workers W] [--kill-a-silo] [--one-gateway] [--logs]</c>.</summary>
public sealed record DemoOptions
{
    public const string Usage = """
        usage: dotnet run --project examples/DistributedPool -- [--n N] [--tasks T] [--silos S] [--workers W] [--kill-a-silo]
                                                              [--one-gateway] [--logs]
          --n N           count the primes below N (default 60,000,000: ~10 s on 2 CPUs; 1,000 .. 200,000,000)
          --tasks T       split the job into T tasks of about equal work (default 96; 2 .. 10,000)
          --silos S       Orleans silos to start, each a separate process and a GreenProc node (default 3; 1 .. 8)
          --workers W     worker processes of each node's pool (default 1)
          --kill-a-silo   SIGKILL a non-primary silo once half the tasks are done: the pool sends its chunks to the
                          other nodes and the job completes, every result checked
          --one-gateway   connect the client through silo 0's gateway only (default: every silo's gateway)
          --logs          show the silos' and the client's Orleans warnings as they come (on stderr; hidden by default)
        """;

    /// <summary>The default size: about 10 s of trial division on the 2-CPU machines this was written on.</summary>
    public const long DefaultN = 60_000_000;

    public long N { get; init; } = DefaultN;

    public int Tasks { get; init; } = 96;

    public int Silos { get; init; } = 3;

    public int Workers { get; init; } = 1;

    public bool KillASilo { get; init; }

    public bool OneGateway { get; init; }

    public bool Logs { get; init; }

    public bool Help { get; init; }

    /// <summary>Reads the arguments; a bad one is a <see cref="FormatException"/> saying which.</summary>
    public static DemoOptions Parse(string[] args)
    {
        var options = new DemoOptions();
        for (int i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--n" => options with { N = Number(args, ++i, "--n", 1_000, 200_000_000) },
                "--tasks" => options with { Tasks = (int)Number(args, ++i, "--tasks", 2, 10_000) },
                "--silos" => options with { Silos = (int)Number(args, ++i, "--silos", 1, 8) },
                "--workers" => options with { Workers = (int)Number(args, ++i, "--workers", 1, 64) },
                "--kill-a-silo" => options with { KillASilo = true },
                "--one-gateway" => options with { OneGateway = true },
                "--logs" => options with { Logs = true },
                "-h" or "--help" => options with { Help = true },
                _ => throw new FormatException($"unknown argument '{args[i]}'"),
            };
        }

        if (options.KillASilo && options.Silos < 2)
        {
            throw new FormatException("--kill-a-silo needs --silos 2 or more: only a non-primary silo is killed (silo 0 holds the cluster's membership table)");
        }

        return options;
    }

    /// <summary>A whole number from the command line, in range; 40000000, 40_000_000 and 40,000,000 all read alike.</summary>
    internal static long Number(string[] args, int i, string name, long min, long max)
    {
        if (i >= args.Length)
        {
            throw new FormatException($"{name} needs a number");
        }

        string text = args[i].Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw new FormatException($"{name} takes a whole number from {min:N0} to {max:N0}, not '{args[i]}'");
        }

        return value;
    }
}
