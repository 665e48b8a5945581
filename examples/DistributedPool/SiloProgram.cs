using System;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster;
using GreenProc.Ipc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace DistributedPoolDemo;

/// <summary>
/// One silo, as its own process (this program started with <c>--silo</c>): an Orleans silo on loopback that is a
/// GreenProc node, its pool's workers told which silo they serve, and the job's task on its allow-list.
/// </summary>
/// <remarks>
/// Its stdout is the demo's handshake (one line, <c>ready PID</c>, once the silo and its pool are up); its logs go to
/// stderr, warnings and worse only. Its stdin is its tie to the demo: the demo never writes to it, so end of file
/// means the demo closed it (stop now) or died (stop too: nobody else would ever stop this silo).
/// </remarks>
public static class SiloProgram
{
    /// <summary>How long a silo's graceful stop may take before the process just exits (its workers die with it).</summary>
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(SiloSpec spec)
    {
        // The terminal's Ctrl+C goes to the whole process group; the demo handles it and stops the silos itself.
        using var ignoreInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, static context => context.Cancel = true);

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, ParentOwnedLifetime>();
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(
                spec.SiloPort,
                spec.GatewayPort,
                spec.IsPrimary ? null : new IPEndPoint(IPAddress.Loopback, spec.PrimaryPort),
                SiloSpec.ServiceId,
                spec.ClusterId)
            .AddGreenProcNode(node =>
            {
                node.Pool = new ProcessPoolOptions
                {
                    Workers = spec.Workers,
                    Initializer = (Action<int>)Primes.OnWorkerStart,
                    InitializerArgument = spec.Index,
                };

                // When this silo is stopped, chunks still running here go to the other nodes after this long.
                node.StopGrace = TimeSpan.FromSeconds(2);
                node.AddTask<PrimeRange, RangeCount>(Primes.CountRange);
            }));

        using IHost host = builder.Build();
        await host.StartAsync();
        Console.Out.WriteLine($"ready {Environment.ProcessId}");
        Console.Out.Flush();

        await WaitForEndOfInputAsync();
        using var limit = new CancellationTokenSource(StopLimit);
        try
        {
            await host.StopAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // Past the limit: exit anyway (the node kills its pool's workers as the host is disposed).
        }

        return 0;
    }

    private static async Task WaitForEndOfInputAsync()
    {
        using Stream input = Console.OpenStandardInput();
        var buffer = new byte[64];
        while (await input.ReadAsync(buffer) > 0)
        {
            // The demo writes nothing; read on until it closes the pipe.
        }
    }
}
