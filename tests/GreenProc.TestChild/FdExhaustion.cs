using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using GreenProc.Subprocess;

namespace GreenProc.TestChild;

/// <summary>
/// EMFILE, as a process with a full descriptor table meets it (issue 17's fault injection): every GreenProc call that
/// needs a descriptor fails at once with an exception that names EMFILE, nothing hangs or crashes, and once descriptors
/// are free again everything works and nothing was leaked. Prints one "key value" line per finding.
/// </summary>
internal static class FdExhaustion
{
    public static int Run()
    {
        // Everything the checks below run is loaded and jitted first: the runtime opens assembly files lazily, and
        // with a full table that would fail in the runtime, not in GreenProc.
        Attempt(() => Green.Run(async () =>
        {
            using Popen warm = Popen.Start(["true"], stdout: Redirect.Pipe);
            await warm.CommunicateAsync();
        }));
        Attempt(() => throw new NativeIOException(24, "warm-up"));
        Attempt(() =>
        {
            // Disposed while still running: the orphan reaper takes it, and makes its wake-up pipe now, not later (a
            // clean CI clone once counted that pipe, made during the checks, as "leaked 2").
            using Popen unwaited = Popen.Start(["sleep", "1"]);
        });
        Recover();
        Console.WriteLine("warm"); // the console opens its own descriptor at first use
        ChildrenAfterReaping(); // the orphan gone, its pidfd closed: the baseline holds only what lasts
        int baseline = OpenDescriptors();
        if (Environment.GetEnvironmentVariable("FD_DEBUG") is not null)
        {
            foreach (string fd in Directory.GetFiles("/proc/self/fd"))
            {
                Console.WriteLine($"base {Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}");
            }
        }

        var held = new List<SafeFdHandle>();
        string pipe;
        try
        {
            while (held.Count < 1_000_000)
            {
                SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
                held.Add(r);
                held.Add(w);
            }

            pipe = "no error";
        }
        catch (Exception e)
        {
            pipe = Describe(e);
        }

        string popen = Attempt(() =>
        {
            using Popen p = Popen.Start(["true"], stdout: Redirect.Pipe);
        });
        string hub = Attempt(() => Green.Run(() => Task.CompletedTask));

        // With one descriptor free (a pipe needs two): a hub gets its epoll descriptor and then fails; a Popen that
        // redirects nothing needs one only to watch its child, which must not be left running or unreaped.
        held[^1].Dispose();
        held.RemoveAt(held.Count - 1);
        string hubOneFree = Attempt(() => Green.Run(() => Task.CompletedTask));
        string popenNoPipes = Attempt(() =>
        {
            using Popen p = Popen.Start(["true"]);
        });

        foreach (SafeFdHandle h in held)
        {
            h.Dispose();
        }

        int code = Recover();
        Console.WriteLine($"held {held.Count}");
        Console.WriteLine($"pipe {pipe}");
        Console.WriteLine($"popen {popen}");
        Console.WriteLine($"hub {hub}");
        Console.WriteLine($"hub-one-free {hubOneFree}");
        Console.WriteLine($"popen-no-pipes {popenNoPipes}");
        Console.WriteLine($"children {ChildrenAfterReaping()}");
        Console.WriteLine($"recovered {code}");
        Console.WriteLine($"leaked {OpenDescriptors() - baseline}");
        if (Environment.GetEnvironmentVariable("FD_DEBUG") is not null)
        {
            foreach (string fd in Directory.GetFiles("/proc/self/fd"))
            {
                Console.WriteLine($"fd {Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}");
            }
        }
        return 0;
    }

    private static int Recover() => Green.Run(async () =>
    {
        using Popen p = Popen.Start(["sh", "-c", "exit 3"]);
        return await p.WaitAsync();
    });

    private static string Attempt(Action action)
    {
        try
        {
            action();
            return "no error";
        }
        catch (Exception e)
        {
            return Describe(e);
        }
    }

    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";

    /// <summary>The children left once the orphan reaper has had up to 10 s to reap the unwaited one (its reaping is not
    /// observable from here: the count is polled).</summary>
    private static int ChildrenAfterReaping()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n;
        while ((n = Children()) > 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            System.Threading.Thread.Sleep(10);
        }

        return n;
    }

    /// <summary>This process's children still in the process table (running or zombie).</summary>
    private static int Children()
    {
        int n = 0;
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                n += fields[1] == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) ? 1 : 0;
            }
            catch (IOException)
            {
            }
        }

        return n;
    }

    /// <summary>The descriptors GreenProc could leak: pipes, sockets, and anonymous ones (epoll, eventfd, pidfd). Files
    /// are left out: the runtime opens the assemblies it loads late.</summary>
    private static int OpenDescriptors()
    {
        int n = 0;
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            string target = new FileInfo(fd).LinkTarget ?? "";
            n += target.StartsWith("pipe:", StringComparison.Ordinal) || target.StartsWith("socket:", StringComparison.Ordinal)
                || target.StartsWith("anon_inode:", StringComparison.Ordinal) ? 1 : 0;
        }

        return n;
    }
}
