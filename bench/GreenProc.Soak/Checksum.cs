using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GreenProc.Soak;

/// <summary>A 64-bit checksum of a payload, the same in every process (HashCode is seeded per process): eight bytes at a
/// time, multiplied and rotated, so that a 4 MiB payload costs about a millisecond.</summary>
internal static class Checksum
{
    public static ulong Of(ReadOnlySpan<byte> data)
    {
        ulong h = 0x9E37_79B9_7F4A_7C15UL ^ (ulong)data.Length;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong w in words)
        {
            h = BitOperations.RotateLeft(h ^ (w * 0xC2B2_AE3D_27D4_EB4FUL), 31) * 0x1656_67B1_9E37_79F9UL;
        }

        foreach (byte b in data[(words.Length * 8)..])
        {
            h = BitOperations.RotateLeft(h ^ (b * 0xC2B2_AE3D_27D4_EB4FUL), 31) * 0x1656_67B1_9E37_79F9UL;
        }

        return h ^ (h >> 29);
    }
}
