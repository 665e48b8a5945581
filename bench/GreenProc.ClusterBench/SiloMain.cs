using System;
using System.Globalization;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Cluster;
using GreenProc.Ipc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace GreenProc.ClusterBench;

/// <summary>
/// The <c>--silo INDEX SILO_PORT GATEWAY_PORT PRIMARY_SILO_PORT WORKERS</c> mode: one Orleans silo on loopback, a GreenProc
/// node with a pool of WORKERS, the bench's tasks registered. Prints <c>ready PID</c> on stdout once it takes calls, and
/// stops when its stdin closes (the driver closes it, or dies: a silo never outlives its driver).
/// </summary>
internal static class SiloMain
{
    public static int Run(string[] args)
    {
        if (args.Length != 6)
        {
            Console.Error.WriteLine("usage: GreenProc.ClusterBench --silo INDEX SILO_PORT GATEWAY_PORT PRIMARY_SILO_PORT WORKERS");
            return 2;
        }

        int siloPort = int.Parse(args[2], CultureInfo.InvariantCulture);
        int gatewayPort = int.Parse(args[3], CultureInfo.InvariantCulture);
        int primaryPort = int.Parse(args[4], CultureInfo.InvariantCulture);
        int workers = int.Parse(args[5], CultureInfo.InvariantCulture);
        return RunAsync(siloPort, gatewayPort, primaryPort, workers).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int siloPort, int gatewayPort, int primaryPort, int workers)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        Quiet(builder.Logging);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort));
            silo.AddGreenProcNode(n =>
            {
                n.Pool = new ProcessPoolOptions { Workers = workers };
                n.StopGrace = TimeSpan.FromSeconds(2);
                BenchTasks.Register(n);
            });
        });
        using IHost host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        Console.Out.WriteLine("ready " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();

        // Until the driver closes our stdin (or dies, which closes it too), or a signal (SIGTERM, SIGINT) stops the host.
        Task stdinClosed = Task.Run(static () =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        });
        var stopping = new TaskCompletionSource();
        using CancellationTokenRegistration onStop = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());
        await Task.WhenAny(stdinClosed, stopping.Task).ConfigureAwait(false);

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await host.StopAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"silo {Environment.ProcessId}: did not stop within 10 s; exiting anyway");
        }

        return 0;
    }

    /// <summary>Orleans at Warning and above, on stderr (stdout carries the bench's JSON lines and the silo's ready line).</summary>
    public static void Quiet(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(LogLevel.Warning);
    }
}
