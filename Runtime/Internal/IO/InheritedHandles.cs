using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace GreenProc.Internal;

/// <summary>
/// How a child finds the handles its parent passed by number (<c>PopenOptions.PassFds</c>, gipc's hand-over). On Unix
/// the number is the descriptor (the spawn dup2s it there). A Windows child inherits a handle under the parent's
/// value, which the parent cannot choose, so the parent names the numbers' values in one environment variable
/// (<c>GREENPROC_HANDLES=3=420;4=436</c>) and the child resolves them here.
/// </summary>
internal static class InheritedHandles
{
    public const string EnvironmentVariable = "GREENPROC_HANDLES";

    /// <summary>The variable's value for <paramref name="passed"/>: number=value pairs, decimal, ';'-separated.</summary>
    public static string Format(IEnumerable<(int Number, nint Handle)> passed)
    {
        var text = new StringBuilder();
        foreach ((int number, nint handle) in passed)
        {
            if (text.Length > 0)
            {
                text.Append(';');
            }

            text.Append(number.ToString(CultureInfo.InvariantCulture)).Append('=').Append(((long)handle).ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>The descriptor or handle this process received as <paramref name="number"/>; -1 when it received none.</summary>
    public static int Resolve(int number)
    {
        if (!OperatingSystem.IsWindows())
        {
            return number;
        }

        string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        foreach (string pair in (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0
                && int.TryParse(pair.AsSpan(0, eq), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n == number
                && long.TryParse(pair.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long handle))
            {
                return (int)handle; // kernel handles are 32-bit values, also in 64-bit processes
            }
        }

        return -1;
    }
}
