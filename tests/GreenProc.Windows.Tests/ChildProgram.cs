using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using GreenProc.Subprocess;

namespace GreenProc.Windows.Tests;

/// <summary>
/// The child the subprocess tests start: this test program's own executable with <c>--child</c> (a self-contained
/// Windows exe under Wine, the apphost on Linux), so the tests need no program the platform may lack.
/// </summary>
internal static class ChildProgram
{
    public const string Flag = "--child";

    /// <summary>The command line that runs <paramref name="mode"/> with <paramref name="args"/>.</summary>
    public static string[] Command(string mode, params string[] args)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "GreenProc.Windows.Tests" + (OperatingSystem.IsWindows() ? ".exe" : ""));
        var line = new List<string> { exe, Flag, mode };
        line.AddRange(args);
        return line.ToArray();
    }

    public static int Run(string[] args)
    {
        string mode = args[0];
        string[] rest = args[1..];
        switch (mode)
        {
            case "echo-args":
                foreach (string arg in rest)
                {
                    Console.Out.Write("[" + arg + "]\n");
                }

                return 0;
            case "cat":
            {
                using Stream input = Console.OpenStandardInput();
                using Stream output = Console.OpenStandardOutput();
                input.CopyTo(output);
                return 0;
            }

            case "exit":
                return int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture);
            case "both":
                Console.Out.Write("out\n");
                Console.Out.Flush();
                Console.Error.Write("err\n");
                return 0;
            case "env":
                Console.Out.Write(Environment.GetEnvironmentVariable(rest[0]) ?? "<unset>");
                return 0;
            case "cwd":
                Console.Out.Write(Environment.CurrentDirectory);
                return 0;
            case "sleep":
                Thread.Sleep(int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture)); // the child's workload
                return 0;
            case "print-then-sleep":
                Console.Out.Write(rest[0]);
                Console.Out.Flush();
                Thread.Sleep(Timeout.Infinite); // a workload that runs until killed
                return 0;
            case "handle":
                // Whether the handle value given was inherited: a write to it works only if it was.
                return ChildHandles.TryWrite(long.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture)) ? 0 : 7;
            case "spawn-sleeper":
            {
                // Starts a grandchild that sleeps for ever (owned by this process's lifetime when asked), prints its
                // pid, and exits without waiting for it.
                bool owned = rest.Length > 0 && rest[0] == "owned";
                Popen grandchild = Popen.Start(Command("sleep", "600000"), new PopenOptions { KillWithOwner = owned });
                Console.Out.Write(grandchild.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Console.Out.Flush();
                if (!owned)
                {
                    Thread.Sleep(Timeout.Infinite); // the tree-kill test kills this process and its grandchild
                }

                return 0;
            }

            default:
                Console.Error.WriteLine($"unknown child mode '{mode}'");
                return 99;
        }
    }
}
