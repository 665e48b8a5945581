// The gipc soak (issue 17): N messages of random sizes (0 B .. 4 MiB, most small) fanned out to C child processes,
// each acknowledged back with the checksum the child computed; every acknowledgement is checked against what was sent,
// in order: 0 lost, duplicated, reordered or corrupted is the pass. The parent's managed heap and RSS are sampled every
// second into a CSV; descriptors and child processes are counted before and after.
//
//   dotnet run -c Release --project bench/GreenProc.Soak -- [--messages N] [--children C] [--seed S] [--csv PATH]
//   ... -- --pool-tasks N                          the pool soak instead (PoolSoak.cs)
//   ... -- --echo-connections C [--echo-rounds R]  the echo-server soak instead (EchoSoak.cs)
// docs/RELIABILITY.md has the figures and the exact commands.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GreenProc;
using GreenProc.Ipc;
using GreenProc.Soak;

long messages = 1_000_000, poolTasks = 0;
int children = 8, seed = 17, echoConnections = 0, echoRounds = 200;
string csv = Path.Combine("bench", "out", "soak", $"memory-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv");
for (int i = 0; i < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--messages": messages = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--children": children = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--csv": csv = args[i + 1]; break;
        case "--pool-tasks": poolTasks = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--echo-connections": echoConnections = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--echo-rounds": echoRounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(csv))!);
if (echoConnections > 0)
{
    // The echo-server soak instead: --echo-connections C (--echo-rounds R) against a GreenServer in a child process.
    byte[] bytesSource = new byte[(16 << 10) + 4096];
    new Random(seed).NextBytes(bytesSource);
    EchoSoak.Run(2, 2, bytesSource, seed); // warm-up, for the baseline
    int echoBaseline = PipesAndSockets();
    var echo = EchoSoak.Run(echoConnections, echoRounds, bytesSource, seed);
    File.WriteAllLines(csv, echo.Samples);
    int echoAfter = PipesAndSockets();
    int echoChildren = Directory.GetDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out int pid) && ParentOf(pid) == Environment.ProcessId);
    string[] rows = echo.Samples.Skip(1).ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"connections\":{echoConnections},\"round_trips\":{echo.RoundTrips},\"gb_each_way\":{echo.Bytes / 1e9:F2},\"seconds\":{echo.Seconds:F1},\"round_trips_per_s\":{echo.RoundTrips / echo.Seconds:F0},\"wrong\":{echo.Wrong},\"server_exit\":{echo.ExitCode},\"server_rss_mb_max\":{rows.Max(r => double.Parse(r.Split(',')[2], CultureInfo.InvariantCulture)):F1},\"pipes_sockets_before\":{echoBaseline},\"pipes_sockets_after\":{echoAfter},\"children_left\":{echoChildren},\"csv\":\"{csv}\"}}"));
    return echo.Wrong == 0 && echo.RoundTrips == (long)echoConnections * echoRounds && echo.ExitCode == 0 && echoAfter <= echoBaseline && echoChildren == 0 ? 0 : 1;
}

if (poolTasks > 0)
{
    // The pool soak instead: --pool-tasks N through a pool of 2 workers (the same accounting around it).
    await PoolSoak.RunAsync(100, 2); // warm-up, for the baseline
    int poolBaseline = PipesAndSockets();
    (long wrong, double seconds, List<string> poolSamples) = await PoolSoak.RunAsync(poolTasks, 2);
    File.WriteAllLines(csv, poolSamples);
    int poolAfter = PipesAndSockets();
    string[] rows = poolSamples.Skip(1).ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"pool_tasks\":{poolTasks},\"seconds\":{seconds:F1},\"tasks_per_s\":{poolTasks / seconds:F0},\"wrong\":{wrong},\"heap_mb_max\":{rows.Max(r => double.Parse(r.Split(',')[2], CultureInfo.InvariantCulture)):F1},\"rss_mb_max\":{rows.Max(r => double.Parse(r.Split(',')[3], CultureInfo.InvariantCulture)):F1},\"pipes_sockets_before\":{poolBaseline},\"pipes_sockets_after\":{poolAfter},\"csv\":\"{csv}\"}}"));
    return wrong == 0 && poolAfter <= poolBaseline ? 0 : 1;
}

// One random source of payload bytes: messages are slices of it, so that filling them costs a copy, not a generator.
byte[] source = new byte[(4 << 20) + 4096];
new Random(seed).NextBytes(source);

// A small run first: what a process makes once (assemblies, the runtime's own pipes, GreenProc's reaper) is then
// in the baseline, and the accounting counts what the soak itself leaves.
Soak(100, 2, new Tally(), [], Stopwatch.StartNew());
int fdsBefore = PipesAndSockets();
var tally = new Tally();
var samples = new List<string> { "seconds,acked,heap_mb,rss_mb" };
var clock = Stopwatch.StartNew();
Soak(messages, children, tally, samples, clock);

File.WriteAllLines(csv, samples);
int fdsAfter = PipesAndSockets();
if (Environment.GetEnvironmentVariable("SOAK_FDS") is not null)
{
    foreach (string fd in Directory.GetFiles("/proc/self/fd"))
    {
        Console.Error.WriteLine($"{Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}");
    }
}
int childrenLeft = Directory.GetDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out int pid) && ParentOf(pid) == Environment.ProcessId);
string[] memory = samples.Skip(1).ToArray();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"messages\":{messages},\"children\":{children},\"seconds\":{clock.Elapsed.TotalSeconds:F1},\"msgs_per_s\":{messages / clock.Elapsed.TotalSeconds:F0},\"gb\":{tally.Bytes / 1e9:F2},\"mb_per_s\":{tally.Bytes / 1e6 / clock.Elapsed.TotalSeconds:F0}," +
    $"\"acked\":{tally.Acked},\"lost\":{tally.LostCount},\"duplicated\":{tally.Duplicated},\"reordered\":{tally.Reordered},\"corrupted\":{tally.Corrupted},\"child_failures\":{tally.ChildFailures}," +
    $"\"heap_mb_max\":{memory.Max(s => double.Parse(s.Split(',')[2], CultureInfo.InvariantCulture)):F1},\"rss_mb_max\":{memory.Max(s => double.Parse(s.Split(',')[3], CultureInfo.InvariantCulture)):F1},\"rss_mb_last\":{double.Parse(memory[^1].Split(',')[3], CultureInfo.InvariantCulture):F1}," +
    $"\"pipes_sockets_before\":{fdsBefore},\"pipes_sockets_after\":{fdsAfter},\"children_left\":{childrenLeft},\"csv\":\"{csv}\"}}"));
return tally.Clean && fdsAfter <= fdsBefore && childrenLeft == 0 ? 0 : 1;

void Soak(long messages, int children, Tally tally, List<string> samples, Stopwatch clock) => Green.Run(async () =>
{
    var pipes = new List<(GipcPipe<SoakMessage> To, GipcPipe<SoakAck> From, GipcProcess Child)>();
    for (int c = 0; c < children; c++)
    {
        GipcPipe<SoakMessage> to = Gipc.Pipe<SoakMessage>();
        GipcPipe<SoakAck> from = Gipc.Pipe<SoakAck>();
        pipes.Add((to, from, Gipc.StartProcess(Echo.Run, to.Reader, from.Writer, name: $"echo-{c}")));
    }

    bool done = false;
    Greenlet sampler = Memory.Sampler(
        samples,
        () => string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F1},{tally.Acked},{GC.GetTotalMemory(false) / 1048576.0:F1},{Memory.Rss() / 1048576.0:F1}"),
        () => done);

    var work = new List<Greenlet>();
    for (int c = 0; c < children; c++)
    {
        (GipcPipe<SoakMessage> to, GipcPipe<SoakAck> from, _) = pipes[c];
        long share = (messages / children) + (c < messages % children ? 1 : 0);
        var sent = new Queue<(long Seq, ulong Sum, int Length)>();
        var random = new Random(seed * 1000 + c);
        work.Add(Green.Spawn(async () =>
        {
            for (long seq = 0; seq < share; seq++)
            {
                int size = Size(random);
                byte[] payload = source.AsSpan(random.Next(4096), size).ToArray();
                ulong sum = Checksum.Of(payload);
                sent.Enqueue((seq, sum, size));
                await to.Writer.PutAsync(new SoakMessage(seq, sum, payload));
                tally.Sent(size);
            }

            await to.Writer.DisposeAsync(); // end of stream: the child finishes
        }, $"send-{c}"));
        work.Add(Green.Spawn(async () =>
        {
            await foreach (SoakAck ack in from.Reader.ReadAllAsync())
            {
                tally.Check(sent, ack);
            }

            tally.Lost(sent.Count); // acknowledgements that never came
        }, $"receive-{c}"));
    }

    await Green.JoinAll(work, raiseError: true);
    foreach ((GipcPipe<SoakMessage> to, GipcPipe<SoakAck> from, GipcProcess child) in pipes)
    {
        await child.JoinAsync();
        tally.ChildExited(child.ExitCode ?? -1);
        child.Dispose();
        to.Dispose();
        from.Dispose();
    }

    done = true;
    await sampler.JoinAsync();
});

static int PipesAndSockets() => Directory.GetFiles("/proc/self/fd")
    .Count(fd => new FileInfo(fd).LinkTarget is { } t && (t.StartsWith("pipe:", StringComparison.Ordinal) || t.StartsWith("socket:", StringComparison.Ordinal)));

// 90 % up to 1 KiB, 9 % up to 64 KiB, 0.9 % up to 1 MiB, 0.1 % up to 4 MiB (about 11 KB on average).
static int Size(Random random) => random.Next(1000) switch
{
    < 900 => random.Next(0, 1 << 10),
    < 990 => random.Next(1 << 10, 64 << 10),
    < 999 => random.Next(64 << 10, 1 << 20),
    _ => random.Next(1 << 20, (4 << 20) + 1),
};

static int ParentOf(int pid)
{
    try
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }
    catch (IOException)
    {
        return 0;
    }
}

/// <summary>What came back, checked against what was sent (all on the hub's thread).</summary>
internal sealed class Tally
{
    public long Acked { get; private set; }

    public long Bytes { get; private set; }

    public long LostCount { get; private set; }

    public long Duplicated { get; private set; }

    public long Reordered { get; private set; }

    public long Corrupted { get; private set; }

    public int ChildFailures { get; private set; }

    public bool Clean => LostCount == 0 && Duplicated == 0 && Reordered == 0 && Corrupted == 0 && ChildFailures == 0;

    public void Sent(int size) => Bytes += size;

    public void Check(Queue<(long Seq, ulong Sum, int Length)> sent, SoakAck ack)
    {
        Acked++;
        if (!sent.TryPeek(out var expected) || ack.Seq < expected.Seq)
        {
            Duplicated++;
            return;
        }

        if (ack.Seq > expected.Seq)
        {
            Reordered++; // or lost: either way the sequence broke
            while (sent.Count > 0 && sent.Peek().Seq < ack.Seq)
            {
                sent.Dequeue();
                LostCount++;
            }

            if (sent.Count == 0)
            {
                return;
            }

            expected = sent.Peek();
        }

        sent.Dequeue();
        if (ack.Sum != expected.Sum || ack.Length != expected.Length)
        {
            Corrupted++;
        }
    }

    public void Lost(int count) => LostCount += count;

    public void ChildExited(int code) => ChildFailures += code == 0 ? 0 : 1;
}
