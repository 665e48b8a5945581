using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using GreenProc;
using GreenProc.Subprocess;

namespace GreenProc.TestChild;

/// <summary>
/// The child process of the subprocess tests. Modes:
///   echo                      copy stdin to stdout until end of file
///   emit OUT ERR              write OUT bytes to stdout and ERR bytes to stderr (pattern byte i = i*31+7), interleaved
///   readn N                   read N bytes of stdin, close stdin, print "read N", exit 0
///   park                      block until killed (on an event nothing sets)
///   exit CODE                 exit with CODE
///   signal N                  kill itself with signal N
///   grandchild SECONDS        start `sleep SECONDS` sharing stdout/stderr, print its pid, exit 0
///   owner[-async] SECONDS     on a hub, start `sleep SECONDS` with KillWithOwner (Start or StartAsync), print its pid,
///                             wait for stdin EOF
///   sigchld                   run `sh -c 'exit 7'` on a hub and print its code (for a start with SIGCHLD ignored)
///   env NAME                  print the variable (or "(unset)")
///   inherit-nonblocking       make stdin (a pipe) non-blocking, run `cat /proc/self/fdinfo/0` with stdin inherited,
///                             then say whether stdin is still non-blocking here
///   fd-exhaustion             (run under a low RLIMIT_NOFILE) fill the descriptor table with pipes, then try a pipe,
///                             a Popen and a hub; free them, and show a Popen works again and no descriptor is left
/// </summary>
internal static class Program
{
    public static byte Pattern(long i) => (byte)(i * 31 + 7);

    private static int Main(string[] args)
    {
        switch (args[0])
        {
            case "echo":
            {
                using Stream input = Console.OpenStandardInput();
                using Stream output = Console.OpenStandardOutput();
                input.CopyTo(output, 64 * 1024);
                return 0;
            }

            case "emit":
                Emit(long.Parse(args[1]), long.Parse(args[2]));
                return 0;
            case "readn":
            {
                int n = int.Parse(args[1]);
                using (Stream input = Console.OpenStandardInput())
                {
                    var buf = new byte[n];
                    int got = 0;
                    while (got < n)
                    {
                        int r = input.Read(buf, got, n - got);
                        if (r == 0)
                        {
                            break;
                        }

                        got += r;
                    }

                    Console.Out.WriteLine($"read {got}");
                }

                close(0); // the parent's writer now gets EPIPE, whether or not we are still running
                Console.Out.Flush();
                return 0;
            }

            case "park":
                new ManualResetEventSlim().Wait();
                return 0;
            case "exit":
                return int.Parse(args[1]);
            case "signal":
                kill(getpid(), int.Parse(args[1]));
                new ManualResetEventSlim().Wait(); // the signal ends the process
                return 0;
            case "grandchild":
            {
                using var p = Process.Start(new ProcessStartInfo("sleep", args[1]) { UseShellExecute = false })!;
                Console.Out.WriteLine(p.Id);
                Console.Out.Flush();
                return 0;
            }

            case "owner" or "owner-async":
                Green.Run(async () =>
                {
                    var options = new PopenOptions { KillWithOwner = true };
                    using var child = args[0] == "owner" ? Popen.Start(["sleep", args[1]], options) : await Popen.StartAsync(["sleep", args[1]], options);
                    Console.Out.WriteLine(child.Pid);
                    Console.Out.Flush();
                    await Green.RunBlocking(() => Console.In.ReadToEnd());
                });
                return 0;
            case "sigchld":
            {
                // Started with SIGCHLD ignored (sh: trap '' CHLD; exec ...): report what a green child's wait gives.
                string result = Green.Run(async () =>
                {
                    using var child = Popen.Start(["sh", "-c", "exit 7"]);
                    try
                    {
                        return (await child.WaitAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    catch (ChildStatusLostException)
                    {
                        return "lost";
                    }
                });
                Console.Out.WriteLine(result);
                return 0;
            }

            case "env":
                Console.Out.WriteLine(Environment.GetEnvironmentVariable(args[1]) ?? "(unset)");
                return 0;
            case "fd-exhaustion":
                return FdExhaustion.Run();
            case "inherit-nonblocking":
            {
                var stdin = new SafeFdHandle(0, ownsHandle: false);
                stdin.SetNonBlocking(true);
                Green.Run(async () =>
                {
                    using var cat = Popen.Start(["cat", "/proc/self/fdinfo/0"]);
                    await cat.WaitAsync();
                });
                Console.Out.WriteLine(stdin.IsNonBlocking() ? "stdin here: non-blocking" : "stdin here: blocking");
                return 0;
            }

            default:
                Console.Error.WriteLine($"unknown mode {args[0]}");
                return 2;
        }
    }

    private static void Emit(long outBytes, long errBytes)
    {
        using Stream stdout = Console.OpenStandardOutput();
        using Stream stderr = Console.OpenStandardError();
        var chunk = new byte[64 * 1024];
        long outSent = 0;
        long errSent = 0;
        while (outSent < outBytes || errSent < errBytes)
        {
            if (outSent < outBytes)
            {
                outSent += WriteChunk(stdout, chunk, outSent, outBytes);
            }

            if (errSent < errBytes)
            {
                errSent += WriteChunk(stderr, chunk, errSent, errBytes);
            }
        }
    }

    private static int WriteChunk(Stream s, byte[] chunk, long offset, long total)
    {
        int n = (int)Math.Min(chunk.Length, total - offset);
        for (int i = 0; i < n; i++)
        {
            chunk[i] = Pattern(offset + i);
        }

        s.Write(chunk, 0, n);
        return n;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc")]
    private static extern int getpid();

    [DllImport("libc")]
    private static extern int close(int fd);
}
