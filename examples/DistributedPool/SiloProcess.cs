using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace DistributedPoolDemo;

/// <summary>
/// One silo process as the demo sees it: started as this program again with <c>--silo</c>, ready once it says so on
/// its stdout, its stderr (the silo's log) read into the <see cref="LogSink"/>, and its stdin held open: closing it
/// stops the silo, and so does this process's death, however it dies.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(SiloSpec spec, Process process)
    {
        Spec = spec;
        _process = process;
    }

    public SiloSpec Spec { get; }

    public int Index => Spec.Index;

    public int Pid { get; private set; }

    /// <summary>Whether the demo SIGKILLed it.</summary>
    public bool Killed { get; private set; }

    /// <summary>Whether it did not stop within its grace when asked, and was killed then.</summary>
    public bool KilledAtStop { get; private set; }

    /// <summary>Its exit code once <see cref="StopAsync"/> has reaped it (137: SIGKILL), else null.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>Starts the silo (it is ready when <see cref="WaitReadyAsync"/> completes).</summary>
    public static SiloProcess Start(SiloSpec spec, LogSink logs)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? throw new PlatformNotSupportedException("this program cannot tell its own path, so it cannot start its silos"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Under `dotnet DistributedPool.dll` the process is the dotnet host: the silo is that host with this dll again.
        if (string.Equals(System.IO.Path.GetFileNameWithoutExtension(psi.FileName), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(typeof(SiloProcess).Assembly.Location);
        }

        foreach (string arg in spec.ToArguments())
        {
            psi.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var silo = new SiloProcess(spec, process);
        string source = $"silo {spec.Index}";
        process.OutputDataReceived += (_, e) => silo.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                logs.Add(source, line);
            }
        };
        process.Exited += (_, _) => silo._ready.TrySetException(new InvalidOperationException($"silo {spec.Index} exited (code {process.ExitCode}) before it was ready"));
        process.Start();
        silo.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    private void OnOutput(string? line)
    {
        if (line is not null && line.StartsWith("ready ", StringComparison.Ordinal))
        {
            _ready.TrySetResult(Pid);
        }
    }

    /// <summary>Completes when the silo and its node's pool are up; fails if it exits first or takes longer than <paramref name="limit"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await _ready.Task.WaitAsync(limit, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"silo {Index} (pid {Pid}) was not ready within {limit.TotalSeconds:0} s");
        }
    }

    /// <summary>SIGKILLs it, as the OOM killer or a power cut would: no goodbye to the cluster.</summary>
    public void Kill()
    {
        Killed = true;
        _process.Kill();
    }

    /// <summary>Asks it to stop (closes its stdin) and waits up to <paramref name="grace"/>; then kills it. Either way it is
    /// reaped when this returns.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (Exception e) when (e is System.IO.IOException or InvalidOperationException)
            {
                // It is exiting already.
            }

            using var limit = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                KilledAtStop = true;
                _process.Kill();
            }
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        ExitCode = _process.ExitCode;
    }

    /// <summary>The last resort (this process is exiting): kill it if it still runs.</summary>
    public void KillIfRunning()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public void Dispose() => _process.Dispose();
}
