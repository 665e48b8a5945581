using System;
using System.Collections.Generic;
using System.Text;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Joins arguments into a command line (<see cref="Join"/>, for CreateProcess) and splits one back
/// (<see cref="Split"/>) by the MSVC rules (the ones CliWrap escapes for and .NET's
/// ProcessStartInfo.Arguments is parsed with on Unix): whitespace separates, double quotes group, 2n backslashes
/// before a quote give n backslashes, 2n+1 give n and a literal quote, other backslashes are literal.
/// </summary>
internal static class WindowsCommandLine
{
    /// <summary>
    /// The command line whose <see cref="Split"/> (and the C runtime's parse in the child) gives back <paramref name="argv"/>
    /// exactly: an argument with no space, tab or quote goes as it is (an empty one as ""), any other is quoted, with
    /// the backslashes before a quote (or before the closing quote) doubled and each quote escaped.
    /// </summary>
    public static string Join(IReadOnlyList<string> argv)
    {
        var line = new StringBuilder();
        foreach (string arg in argv)
        {
            if (line.Length > 0)
            {
                line.Append(' ');
            }

            if (arg.Length > 0 && arg.AsSpan().IndexOfAny(" \t\n\v\"") < 0)
            {
                line.Append(arg);
                continue;
            }

            line.Append('"');
            for (int i = 0; i < arg.Length; i++)
            {
                int backslashes = 0;
                while (i < arg.Length && arg[i] == '\\')
                {
                    backslashes++;
                    i++;
                }

                if (i == arg.Length)
                {
                    line.Append('\\', backslashes * 2); // before the closing quote
                    break;
                }

                if (arg[i] == '"')
                {
                    line.Append('\\', (backslashes * 2) + 1).Append('"');
                }
                else
                {
                    line.Append('\\', backslashes).Append(arg[i]);
                }
            }

            line.Append('"');
        }

        return line.ToString();
    }

    public static List<string> Split(string commandLine)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        bool inQuotes = false;
        bool hasToken = false;
        for (int i = 0; i < commandLine.Length; i++)
        {
            char c = commandLine[i];
            if (c == '\\')
            {
                int count = 0;
                while (i < commandLine.Length && commandLine[i] == '\\')
                {
                    count++;
                    i++;
                }

                if (i < commandLine.Length && commandLine[i] == '"')
                {
                    current.Append('\\', count / 2);
                    if (count % 2 == 1)
                    {
                        current.Append('"');
                    }
                    else
                    {
                        inQuotes = !inQuotes;
                    }
                }
                else
                {
                    current.Append('\\', count);
                    i--;
                }

                hasToken = true;
            }
            else if (c == '"')
            {
                if (inQuotes && i + 1 < commandLine.Length && commandLine[i + 1] == '"')
                {
                    current.Append('"'); // "" inside quotes: a literal quote
                    i++;
                }
                else
                {
                    inQuotes = !inQuotes;
                }

                hasToken = true;
            }
            else if (char.IsWhiteSpace(c) && !inQuotes)
            {
                if (hasToken)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    hasToken = false;
                }
            }
            else
            {
                current.Append(c);
                hasToken = true;
            }
        }

        if (hasToken)
        {
            result.Add(current.ToString());
        }

        return result;
    }
}
