using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc;
using GreenProc.Ipc;
using GreenProc.Subprocess;

// GreenProc.WinBench MODE N: one JSON line per run.
//   echo          the child: copies stdin to stdout a byte at a time (synchronous handles, as any program has)
//   rtt-hub N     N one-byte round trips with an echo child through Popen's pipes and the hub (GreenStream)
//   rtt-bare N    the same child and pipes, driven by a bare overlapped loop on one thread and its own completion port
//                 (Windows only): what the hub's round trip is compared with
//   gipc-msgs N   N small messages through an in-process gipc pipe, writer and reader greenlets
//   spawn N       N echo children at once, one byte communicated with each, until all have exited
//   pool-map N    a process pool of 2 workers maps a trivial task over N items (started and ready first): tasks/s
//   gipc-rtt N    N round trips of an int with a StartProcess child over two gipc pipes: the median, in µs
string mode = args[0];
int n = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
string os = OperatingSystem.IsWindows() ? "windows" : "linux";
switch (mode)
{
    case "echo":
        Echo();
        return 0;
    case "rtt-hub":
        Report($"{mode} {n}", os, "rtt_us", Green.Run(() => RttHubAsync(n)));
        return 0;
    case "rtt-bare":
        Report($"{mode} {n}", os, "rtt_us", RttBare(n));
        return 0;
    case "gipc-msgs":
        Report($"{mode} {n}", os, "msgs_per_s", Green.Run(() => GipcMessagesAsync(n)));
        return 0;
    case "spawn":
        Report($"{mode} {n}", os, "seconds", Green.Run(() => SpawnAsync(n)));
        return 0;
    case "gipc-rtt":
        Report($"{mode} {n}", os, "rtt_us", Green.Run(() => GipcRttAsync(n)));
        return 0;
    case "pool-map":
        Report($"{mode} {n}", os, "tasks_per_s", PoolMapAsync(n).GetAwaiter().GetResult());
        return 0;
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}

static void Report(string mode, string os, string metric, double value)
    => Console.WriteLine($"{{\"case\":\"{mode}\",\"os\":\"{os}\",\"{metric}\":{value.ToString("0.###", CultureInfo.InvariantCulture)},\"threads\":{Process.GetCurrentProcess().Threads.Count}}}");

static void Echo()
{
    using Stream input = Console.OpenStandardInput();
    using Stream output = Console.OpenStandardOutput();
    var b = new byte[1];
    while (input.Read(b, 0, 1) == 1)
    {
        output.Write(b, 0, 1);
        output.Flush();
    }
}

static string[] EchoChild()
{
    string exe = Environment.ProcessPath!;
    return Path.GetFileNameWithoutExtension(exe) == "dotnet"
        ? [exe, typeof(Bare).Assembly.Location, "echo"]
        : [exe, "echo"];
}

static async Task<double> RttHubAsync(int n)
{
    using Popen child = Popen.Start(EchoChild(), stdin: Redirect.Pipe, stdout: Redirect.Pipe);
    var b = new byte[1];
    for (int i = 0; i < n / 10; i++) // warm-up
    {
        await child.Stdin!.WriteAsync(b);
        await child.Stdout!.ReadExactlyAsync(b);
    }

    long start = Stopwatch.GetTimestamp();
    for (int i = 0; i < n; i++)
    {
        await child.Stdin!.WriteAsync(b);
        await child.Stdout!.ReadExactlyAsync(b);
    }

    double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / n;
    child.Stdin!.Dispose();
    await child.WaitAsync();
    return us;
}

static double RttBare(int n)
{
    if (!OperatingSystem.IsWindows())
    {
        throw new PlatformNotSupportedException("rtt-bare is the Windows overlapped loop");
    }

    // Popen outside any hub: its streams are never used, so their overlapped handles are free to bind to our own port.
    using Popen child = Popen.Start(EchoChild(), stdin: Redirect.Pipe, stdout: Redirect.Pipe);
    double us = Bare.PingPong(child.Stdin!.Handle, child.Stdout!.Handle, n);
    child.Stdin!.Dispose();
    while (child.Poll() is null)
    {
        Thread.Sleep(1); // no hub here to wait on; the child ends at once once its stdin closes
    }

    return us;
}

static async Task<double> GipcMessagesAsync(int n)
{
    using GipcPipe<int> pipe = Gipc.Pipe<int>();
    long start = Stopwatch.GetTimestamp();
    Greenlet writer = Green.Spawn(async () =>
    {
        for (int i = 0; i < n; i++)
        {
            await pipe.Writer.PutAsync(i);
        }
    });
    for (int i = 0; i < n; i++)
    {
        await pipe.Reader.GetAsync();
    }

    await writer;
    return n / Stopwatch.GetElapsedTime(start).TotalSeconds;
}

static async Task<double> SpawnAsync(int n)
{
    long start = Stopwatch.GetTimestamp();
    var all = new Greenlet[n];
    for (int i = 0; i < n; i++)
    {
        all[i] = Green.Spawn(async () =>
        {
            using Popen child = Popen.Start(EchoChild(), stdin: Redirect.Pipe, stdout: Redirect.Pipe);
            await child.CommunicateAsync(new byte[] { 1 });
            await child.WaitAsync();
        });
    }

    await Green.JoinAll(all);
    return Stopwatch.GetElapsedTime(start).TotalSeconds;
}

static async Task<double> GipcRttAsync(int n)
{
    using GipcPipe<int> toChild = Gipc.Pipe<int>();
    using GipcPipe<int> fromChild = Gipc.Pipe<int>();
    using GipcProcess child = Gipc.StartProcess(Tasks.EchoAsync, toChild.Reader, fromChild.Writer);
    var samples = new double[n];
    for (int i = 0; i < n / 10; i++) // warm-up
    {
        await toChild.Writer.PutAsync(i);
        await fromChild.Reader.GetAsync();
    }

    for (int i = 0; i < n; i++)
    {
        long start = Stopwatch.GetTimestamp();
        await toChild.Writer.PutAsync(i);
        await fromChild.Reader.GetAsync();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    await toChild.Writer.PutAsync(-1);
    await child.JoinAsync();
    Array.Sort(samples);
    return samples[n / 2];
}

static async Task<double> PoolMapAsync(int n)
{
    await using var pool = new ProcessPool(new ProcessPoolOptions { Workers = 2 });
    await pool.WaitReadyAsync();
    long start = Stopwatch.GetTimestamp();
    int[] results = await pool.MapAsync(Tasks.Increment, System.Linq.Enumerable.Range(0, n));
    double rate = n / Stopwatch.GetElapsedTime(start).TotalSeconds;
    return results[^1] == n ? rate : throw new InvalidOperationException("a wrong result");
}

/// <summary>The pool's task.</summary>
internal static class Tasks
{
    public static int Increment(int x) => x + 1;

    /// <summary>The gipc-rtt child: echoes every int until -1.</summary>
    public static async Task EchoAsync(GipcReader<int> input, GipcWriter<int> output)
    {
        while (await input.GetAsync() is int v && v >= 0)
        {
            await output.PutAsync(v);
        }
    }
}

/// <summary>The bare overlapped ping-pong: one thread, one completion port, no hub.</summary>
internal static unsafe partial class Bare
{
    public static double PingPong(SafeHandle toChild, SafeHandle fromChild, int n)
    {
        nint port = CreateIoCompletionPort(-1, 0, 0, 1);
        try
        {
            if (CreateIoCompletionPort(toChild.DangerousGetHandle(), port, 1, 0) == 0 || CreateIoCompletionPort(fromChild.DangerousGetHandle(), port, 2, 0) == 0)
            {
                throw new InvalidOperationException("CreateIoCompletionPort: " + Marshal.GetLastPInvokeError());
            }

            SetFileCompletionNotificationModes(toChild.DangerousGetHandle(), 1);
            SetFileCompletionNotificationModes(fromChild.DangerousGetHandle(), 1);
            NativeOverlapped* write = (NativeOverlapped*)NativeMemory.AllocZeroed((nuint)sizeof(NativeOverlapped));
            NativeOverlapped* read = (NativeOverlapped*)NativeMemory.AllocZeroed((nuint)sizeof(NativeOverlapped));
            byte* b = (byte*)NativeMemory.AllocZeroed(1);
            try
            {
                for (int i = 0; i < n / 10; i++)
                {
                    Round(port, toChild.DangerousGetHandle(), fromChild.DangerousGetHandle(), write, read, b);
                }

                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < n; i++)
                {
                    Round(port, toChild.DangerousGetHandle(), fromChild.DangerousGetHandle(), write, read, b);
                }

                return Stopwatch.GetElapsedTime(start).TotalMicroseconds / n;
            }
            finally
            {
                NativeMemory.Free(write);
                NativeMemory.Free(read);
                NativeMemory.Free(b);
            }
        }
        finally
        {
            CloseHandle(port);
        }
    }

    private static void Round(nint port, nint toChild, nint fromChild, NativeOverlapped* write, NativeOverlapped* read, byte* b)
    {
        *write = default;
        if (!WriteFile(toChild, b, 1, null, write))
        {
            Expect(Marshal.GetLastPInvokeError(), "WriteFile");
            Await(port, write);
        }

        *read = default;
        if (!ReadFile(fromChild, b, 1, null, read))
        {
            Expect(Marshal.GetLastPInvokeError(), "ReadFile");
            Await(port, read);
        }
    }

    private static void Expect(int error, string call)
    {
        if (error != 997)
        {
            throw new InvalidOperationException($"{call}: {error}");
        }
    }

    private static void Await(nint port, NativeOverlapped* which)
    {
        while (true)
        {
            if (!GetQueuedCompletionStatus(port, out _, out _, out NativeOverlapped* done, -1))
            {
                throw new InvalidOperationException("GetQueuedCompletionStatus: " + Marshal.GetLastPInvokeError());
            }

            if (done == which)
            {
                return;
            }
        }
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    private static partial nint CreateIoCompletionPort(nint file, nint port, nuint key, int threads);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool SetFileCompletionNotificationModes(nint file, byte flags);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool WriteFile(nint file, byte* buffer, int count, int* done, NativeOverlapped* overlapped);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool ReadFile(nint file, byte* buffer, int count, int* done, NativeOverlapped* overlapped);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetQueuedCompletionStatus(nint port, out int bytes, out nuint key, out NativeOverlapped* overlapped, int ms);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CloseHandle(nint handle);
}
