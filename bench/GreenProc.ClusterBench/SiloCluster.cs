using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Hosting;

namespace GreenProc.ClusterBench;

/// <summary>
/// A cluster on this machine: SILOS silo processes (this program again, <c>--silo ...</c>; silo 0 the primary), each a
/// GreenProc node, and an Orleans client in this process connected to every gateway over loopback TCP. Disposing it
/// stops the client and then the silos (stdin closed: each stops its host; whatever has not exited 15 s later is killed
/// with its process tree). A silo whose driver dies sees its stdin close and stops too.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    private static readonly List<Process> s_live = [];  // every silo not yet reaped, for the exit handler
    private readonly List<Silo> _silos;
    private readonly IHost _client;

    private SiloCluster(List<Silo> silos, IHost client, double startSeconds)
    {
        _silos = silos;
        _client = client;
        StartSeconds = startSeconds;
    }

    /// <summary>One silo process: its ports and its process.</summary>
    public sealed record Silo(int Index, int SiloPort, int GatewayPort, Process Process)
    {
        public int Pid => Process.Id;
    }

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    public IReadOnlyList<Silo> Silos => _silos;

    /// <summary>From the first silo's launch to the client connected (s).</summary>
    public double StartSeconds { get; }

    static SiloCluster()
    {
        // Whatever way this process ends (an exception, Ctrl-C), no silo outlives it: they would also stop on their own
        // when their stdin closes, but a killed tree is immediate.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    /// <param name="silos">How many silo processes.</param>
    /// <param name="workersPerSilo">Each node's pool.</param>
    /// <param name="primaryGatewayOnly">Connect the client to silo 0's gateway alone (the others are reached through it),
    /// instead of to every silo's gateway.</param>
    public static async Task<SiloCluster> StartAsync(int silos, int workersPerSilo, bool primaryGatewayOnly = false)
    {
        long t0 = Stopwatch.GetTimestamp();
        int[] ports = FreePorts(2 * silos);
        var started = new List<Silo>();
        try
        {
            // The primary first (the others join through it), then the rest together.
            started.Add(await LaunchAsync(0, ports[0], ports[1], ports[0], workersPerSilo).ConfigureAwait(false));
            Task<Silo>[] rest = Enumerable.Range(1, silos - 1)
                .Select(i => LaunchAsync(i, ports[2 * i], ports[(2 * i) + 1], ports[0], workersPerSilo))
                .ToArray();
            foreach (Task<Silo> t in rest)
            {
                try
                {
                    started.Add(await t.ConfigureAwait(false));
                }
                catch
                {
                    foreach (Task<Silo> other in rest.Where(o => o.IsCompletedSuccessfully))
                    {
                        if (!started.Contains(other.Result))
                        {
                            started.Add(other.Result);
                        }
                    }

                    throw;
                }
            }

            HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            SiloMain.Quiet(builder.Logging);
            int[] gateways = primaryGatewayOnly ? [started[0].GatewayPort] : started.Select(s => s.GatewayPort).ToArray();
            builder.UseOrleansClient(c => c.UseLocalhostClustering(gateways));

            // Not the console lifetime: it would take SIGTERM (timeout(1), Ctrl-C) to stop the client host only, and the
            // bench would run on; without it SIGTERM ends the process, and ProcessExit kills the silos.
            builder.Services.AddSingleton<IHostLifetime, PlainLifetime>();
            IHost client = builder.Build();
            await client.StartAsync().ConfigureAwait(false);
            return new SiloCluster(started, client, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        catch
        {
            foreach (Silo s in started)
            {
                Kill(s.Process, tree: true);
            }

            throw;
        }
    }

    private static async Task<Silo> LaunchAsync(int index, int siloPort, int gatewayPort, int primaryPort, int workers)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? throw new PlatformNotSupportedException("no Environment.ProcessPath to relaunch"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false, // the silo's warnings go where ours go
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location); // run as `dotnet GreenProc.ClusterBench.dll`
        }

        foreach (string a in new[] { "--silo", Inv(index), Inv(siloPort), Inv(gatewayPort), Inv(primaryPort), Inv(workers) })
        {
            start.ArgumentList.Add(a);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("the silo process did not start");
        lock (s_live)
        {
            s_live.Add(process);
        }

        var silo = new Silo(index, siloPort, gatewayPort, process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            while (true)
            {
                string? line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                if (line is null)
                {
                    await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                    throw new InvalidOperationException($"silo {index} exited with code {process.ExitCode} before it was ready (its stderr is above)");
                }

                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    return silo;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Kill(process, tree: true);
            throw new TimeoutException($"silo {index} was not ready within 90 s");
        }
    }

    /// <summary>SIGKILLs one silo process alone (its pool's workers are left to notice their parent is gone).</summary>
    public static void KillSiloOnly(Silo silo) => Kill(silo.Process, tree: false);

    public async ValueTask DisposeAsync()
    {
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _client.StopAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _client.Dispose();

        // The non-primary silos first, the primary last: it holds the (development) membership table that the others
        // report their stopping to.
        Silo[] others = _silos.Where(s => s.Index != 0).ToArray();
        foreach (Silo s in others)
        {
            CloseStdin(s);
        }

        foreach (Silo s in others)
        {
            await StopAsync(s).ConfigureAwait(false);
        }

        foreach (Silo s in _silos.Where(s => s.Index == 0))
        {
            CloseStdin(s);
            await StopAsync(s).ConfigureAwait(false);
        }
    }

    private static void CloseStdin(Silo s)
    {
        try
        {
            s.Process.StandardInput.Close();
        }
        catch (IOException)
        {
            // already gone (a killed silo)
        }
    }

    /// <summary>Waits (15 s at most) for a silo that was told to stop, then kills what is left of its process tree.</summary>
    private static async Task StopAsync(Silo s)
    {
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            try
            {
                await s.Process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"silo {s.Index} (pid {s.Pid}) did not stop within 15 s: killing its process tree");
            }
        }

        Kill(s.Process, tree: true);
        lock (s_live)
        {
            s_live.Remove(s.Process);
        }

        s.Process.Dispose();
    }

    private static void Kill(Process p, bool tree)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: tree);
            }
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    private static void KillAll()
    {
        lock (s_live)
        {
            foreach (Process p in s_live)
            {
                Kill(p, tree: true);
            }
        }
    }

    /// <summary>Ports free now on loopback (bound to port 0 together, then released).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                listeners.Add(l);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (TcpListener l in listeners)
            {
                l.Stop();
            }
        }
    }

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A host lifetime that leaves the process's signals alone.</summary>
    private sealed class PlainLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
