using System;
using System.Collections.Generic;

namespace DistributedPoolDemo;

/// <summary>
/// Where the silos' and the client's Orleans log lines (warnings and worse) go, so that they do not break up the demo's
/// output: counted, the latest kept for a failure report, and echoed to stderr only with <c>--logs</c>. A killed silo
/// makes the others warn about its lost connections for a while: that is the cluster noticing, not a fault.
/// </summary>
/// <remarks>Thread-safe: lines come from the silos' stderr readers and the client's loggers.</remarks>
public sealed class LogSink(bool echo)
{
    private const int Kept = 60;
    private readonly Queue<string> _latest = new(); // the last Kept lines, for a failure report
    private int _count;

    /// <summary>How many lines came.</summary>
    public int Count
    {
        get
        {
            lock (_latest)
            {
                return _count;
            }
        }
    }

    public void Add(string source, string line)
    {
        string text = $"[{source}] {line}";
        lock (_latest)
        {
            _count++;
            _latest.Enqueue(text);
            if (_latest.Count > Kept)
            {
                _latest.Dequeue();
            }

            if (echo)
            {
                Console.Error.WriteLine(text);
            }
        }
    }

    /// <summary>Writes the latest lines to stderr (after a failure; unless they were echoed already).</summary>
    public void Dump()
    {
        lock (_latest)
        {
            if (echo || _latest.Count == 0)
            {
                return;
            }

            Console.Error.WriteLine($"the last {_latest.Count} of {_count} log lines from the silos and the client:");
            foreach (string line in _latest)
            {
                Console.Error.WriteLine(line);
            }
        }
    }
}
