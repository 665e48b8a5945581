using System.Collections.Generic;
using System.Text;

namespace GreenProc.Subprocess.Internal;

/// <summary>
/// Splits a command-line string into arguments by the MSVC rules (the ones CliWrap escapes for and .NET's
/// ProcessStartInfo.Arguments is parsed with on Unix): whitespace separates, double quotes group, 2n backslashes
/// before a quote give n backslashes, 2n+1 give n and a literal quote, other backslashes are literal.
/// </summary>
internal static class WindowsCommandLine
{
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
