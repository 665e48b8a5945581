// The process pool in one page: a CPU-bound job (counting the primes below N by trial division) cut into 256 tasks
// of equal work that run on every worker process at once, under a live progress bar; then the result, checked range
// by range against a sieve, the time, and the speed-up against one worker. With --kill-a-worker, one busy worker is
// SIGKILLed halfway: only the task it was running fails (WorkerCrashedException), the pool replaces the worker, this
// program submits that task again, and the job completes with every result correct.
using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using GreenProc.Ipc;
using ProcessPoolDemo;
using Spectre.Console;

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(DemoOptions.UsageText);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(DemoOptions.UsageText);
    return 0;
}

PrimeRange[] ranges = Primes.Split(options.N, 256);
// One worker's speed is measured on every 8th range (the middle one of each group of 8): a fair sample of the work
// at an eighth of its time. Speeds are in trial divisions per second, so the sample need not be exactly an eighth.
PrimeRange[] sample = ranges.Length >= 8 ? ranges.Where(r => r.Index % 8 == 4).ToArray() : ranges;

string workersText = options.Workers == 1 ? "1 worker" : $"{options.Workers} workers";
AnsiConsole.MarkupLine($"Counting the primes below [bold]{options.N:N0}[/] by trial division,");
AnsiConsole.MarkupLine($"in {ranges.Length} tasks of equal work, on a pool of [bold]{workersText}[/] ({Environment.ProcessorCount} CPUs here).");
if (options.KillAWorker)
{
    AnsiConsole.MarkupLine("Halfway through, one busy worker will be killed with SIGKILL.");
}

AnsiConsole.WriteLine();

var crashes = new ConcurrentQueue<Crash>();
(JobRun one, JobRun all, int? killed) = await AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
    .StartAsync(async ctx =>
    {
        ProgressTask oneBar = ctx.AddTask($"1 worker, {sample.Length} tasks (a sample)", maxValue: sample.Length);
        ProgressTask allBar = ctx.AddTask($"{options.Workers} worker{(options.Workers == 1 ? "" : "s")}, all {ranges.Length} tasks", autoStart: false, maxValue: ranges.Length);
        JobRun one = await Job.RunOneWorkerAsync(sample, oneBar);
        oneBar.StopTask(); // its clock stops here
        allBar.StartTask();
        (JobRun all, int? killed) = await Job.RunAllAsync(ranges, options.Workers, options.KillAWorker, allBar, crashes);
        allBar.StopTask();
        return (one, all, killed);
    });

long[] expected = Primes.SieveCounts(ranges);
int wrong = all.Results.Count(r => r.Primes != expected[r.Index]) + one.Results.Count(r => r.Primes != expected[r.Index]);
double oneRate = one.Divisions / one.Elapsed.TotalSeconds;
double allRate = all.Divisions / all.Elapsed.TotalSeconds;

AnsiConsole.WriteLine();
AnsiConsole.MarkupLine($"primes below {options.N:N0}: [bold green]{all.Results.Sum(r => r.Primes):N0}[/]");
AnsiConsole.MarkupLine($"1 worker:  {sample.Length} tasks in {one.Elapsed.TotalSeconds:F2} s = {Rate(oneRate)} divisions/s (all: ~{all.Divisions / oneRate:F1} s)");
AnsiConsole.MarkupLine($"{workersText + ":",-10} {ranges.Length} tasks in [bold]{all.Elapsed.TotalSeconds:F2} s[/] = {Rate(allRate)} divisions/s (+ {all.Ready.TotalMilliseconds:F0} ms to start)");
AnsiConsole.MarkupLine(one.Elapsed >= TimeSpan.FromSeconds(0.2)
    ? $"speed-up:  [bold]{allRate / oneRate:F2}×[/] against one worker ({workersText}, {Environment.ProcessorCount} CPUs)"
    : $"speed-up:  not measured (the sample took {one.Elapsed.TotalMilliseconds:F0} ms: too short; use a larger --n)");
if (one.Elapsed >= TimeSpan.FromSeconds(0.2) && allRate / oneRate > 1.05 * Math.Min(options.Workers, Environment.ProcessorCount))
{
    // More than the CPUs can give: the machine was busier while the one-worker sample ran than afterwards.
    AnsiConsole.MarkupLine("           (more than the CPUs allow: other load slowed the one-worker run)");
}

if (options.KillAWorker && killed is null)
{
    AnsiConsole.MarkupLine("killed:    none (the chosen worker had exited already)");
}

if (killed is { } pid)
{
    AnsiConsole.MarkupLine($"killed:    worker pid {pid} (SIGKILL) after {ranges.Length / 2} of {ranges.Length} tasks");
    if (crashes.IsEmpty)
    {
        AnsiConsole.MarkupLine($"crash:     no task failed: pid {pid} was between two tasks");
        AnsiConsole.MarkupLine("           (the pool gave the tasks it held to another worker)");
    }

    foreach (Crash c in crashes)
    {
        AnsiConsole.MarkupLine($"crash:     task {c.Index} failed alone: WorkerCrashedException, pid {c.Pid}, signal {c.Signal?.ToString() ?? "none"}");
        AnsiConsole.MarkupLine("           (the pool replaced the worker; every other task went on)");
        AnsiConsole.MarkupLine($"retried:   task {c.Index} submitted again, done by pid {all.Results[c.Index].Pid}");
    }

    int ran = all.Results.Select(r => r.Pid).Distinct().Count();
    AnsiConsole.MarkupLine($"workers:   {ran} processes ran tasks{(ran > options.Workers ? " (the replacement included)" : "")}");
}

AnsiConsole.MarkupLine(wrong == 0
    ? $"checked:   all {ranges.Length + sample.Length} results agree with a segmented sieve of Eratosthenes"
    : $"[red]checked:   {wrong} results disagree with the sieve[/]");
return wrong == 0 ? 0 : 1;

static string Rate(double perSecond) => perSecond >= 10e6 ? $"{perSecond / 1e6:N0} M" : $"{perSecond / 1e6:N2} M";
