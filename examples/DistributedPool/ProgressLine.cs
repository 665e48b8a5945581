using System;

namespace DistributedPoolDemo;

/// <summary>
/// The live progress line on a terminal (redrawn in place with a carriage return), and the lines printed while it is
/// up. With stdout redirected (a test, a pipe) there is no live line: only the printed lines go out.
/// </summary>
/// <remarks>Thread-safe: the pool reports progress from its own thread while the demo prints from another.</remarks>
public sealed class ProgressLine
{
    private readonly bool _live = !Console.IsOutputRedirected;
    private readonly object _gate = new();
    private string _shown = ""; // what the live line shows now

    /// <summary>Redraws the live line.</summary>
    public void Update(string text)
    {
        if (!_live)
        {
            return;
        }

        lock (_gate)
        {
            Console.Write("\r" + text.PadRight(_shown.Length));
            _shown = text;
        }
    }

    /// <summary>Prints a line above the live one.</summary>
    public void Print(string line)
    {
        lock (_gate)
        {
            if (_shown.Length > 0)
            {
                Console.Write("\r" + new string(' ', _shown.Length) + "\r");
            }

            Console.WriteLine(line);
            if (_shown.Length > 0)
            {
                Console.Write(_shown);
            }
        }
    }

    /// <summary>Leaves the live line as it last was, and moves below it.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_shown.Length > 0)
            {
                Console.WriteLine();
                _shown = "";
            }
        }
    }

    /// <summary>A bar of <paramref name="width"/> cells, <paramref name="done"/> of <paramref name="total"/> filled.</summary>
    public static string Bar(long done, long total, int width = 30)
    {
        int filled = total <= 0 ? width : (int)Math.Min(width, done * width / total);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
