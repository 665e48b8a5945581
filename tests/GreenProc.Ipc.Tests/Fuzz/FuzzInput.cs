using System;
using System.Buffers.Binary;
using System.Globalization;

namespace GreenProc.Ipc.Tests.Fuzz;

/// <summary>
/// Seeded random inputs for the parsers of untrusted bytes (issue 17's fast subset, run by CI). Deterministic: each
/// test has its own seed, which GREENPROC_FUZZ_SEED replaces; GREENPROC_FUZZ_SCALE multiplies the iterations for a long
/// run (docs/RELIABILITY.md). A failure names the seed, the iteration and the input, so that it can be replayed and
/// kept as a regression test.
/// </summary>
internal static class FuzzInput
{
    public static int Seed(int salt)
        => (Environment.GetEnvironmentVariable("GREENPROC_FUZZ_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 20261203) ^ salt;

    public static int Iterations(int ciDefault)
        => ciDefault * (Environment.GetEnvironmentVariable("GREENPROC_FUZZ_SCALE") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 1);

    /// <summary>Random bytes, sometimes short, sometimes long.</summary>
    public static byte[] Noise(Random random)
    {
        var bytes = new byte[random.Next(4) == 0 ? random.Next(0, 8) : random.Next(0, 600)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A valid input damaged the ways real damage looks: cut short, bits flipped, bytes inserted or dropped, a
    /// length-like field set to an extreme, or a splice of two places.</summary>
    public static byte[] Mutate(Random random, byte[] valid)
    {
        byte[] bytes = (byte[])valid.Clone();
        int mutations = 1 + random.Next(3);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(6))
            {
                case 0 when bytes.Length > 0:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                case 1 when bytes.Length > 0:
                    for (int flips = 1 + random.Next(8); flips > 0; flips--)
                    {
                        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 2:
                    {
                        int at = random.Next(bytes.Length + 1);
                        var extra = new byte[1 + random.Next(16)];
                        random.NextBytes(extra);
                        bytes = [.. bytes[..at], .. extra, .. bytes[at..]];
                        break;
                    }

                case 3 when bytes.Length > 1:
                    {
                        int at = random.Next(bytes.Length);
                        bytes = [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + 1 + random.Next(8))..]];
                        break;
                    }

                case 4 when bytes.Length >= 4:
                    {
                        int[] extremes = [0, -1, 1, int.MaxValue, int.MinValue, 0x7FFF_FFF0, 1 << 20, 1 << 30, random.Next()];
                        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(random.Next(bytes.Length - 3)), extremes[random.Next(extremes.Length)]);
                        break;
                    }

                case 5 when bytes.Length > 2:
                    {
                        int from = random.Next(bytes.Length), to = random.Next(bytes.Length), n = random.Next(1, Math.Min(32, bytes.Length - Math.Max(from, to)) + 1);
                        Array.Copy(bytes, from, bytes, to, Math.Max(0, Math.Min(n, bytes.Length - Math.Max(from, to))));
                        break;
                    }
            }
        }

        return bytes;
    }

    public static string Describe(int seed, int iteration, byte[] input)
        => $"seed {seed}, iteration {iteration}, input ({input.Length} bytes): {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 512)))}{(input.Length > 512 ? "..." : "")}";
}
