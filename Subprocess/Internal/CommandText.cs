using System.Collections.Generic;
using System.Text;

namespace GreenProc.Subprocess.Internal;

/// <summary>Formats a command line for messages, quoted the way a POSIX shell would read it back.</summary>
internal static class CommandText
{
    public static string Format(IReadOnlyList<string> args)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            string a = args[i] ?? string.Empty;
            if (a.Length > 0 && IsPlain(a))
            {
                sb.Append(a);
            }
            else
            {
                sb.Append('\'').Append(a.Replace("'", "'\\''", System.StringComparison.Ordinal)).Append('\'');
            }
        }

        return sb.ToString();
    }

    private static bool IsPlain(string s)
    {
        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ',' or ':' or '=' or '+' or '@' or '%'))
            {
                return false;
            }
        }

        return true;
    }
}
