using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace DistributedPoolDemo;

/// <summary>
/// The demo's silos: started on free loopback ports (so that parallel runs never collide), silo 0 first (the primary:
/// the others join through it), and always stopped: asked, then killed, and reaped, whatever happened in between.
/// </summary>
public sealed class SiloCluster : IAsyncDisposable
{
    /// <summary>How long a silo may take to come up (a cold start of Orleans and a pool on a busy 2-CPU machine is a few seconds).</summary>
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(45);

    /// <summary>How long an asked silo may take to stop before it is killed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly SiloProcess[] _silos;
    private int _stopped;

    private SiloCluster(SiloProcess[] silos, string clusterId)
    {
        _silos = silos;
        ClusterId = clusterId;

        // If this process ends without the finally blocks running (a SIGTERM, an unhandled exception), the silos still
        // go: each would also stop on its own when its stdin closes, this is just sooner.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public SiloProcess[] Silos => _silos;

    public string ClusterId { get; }

    public int[] GatewayPorts => Array.ConvertAll(_silos, s => s.Spec.GatewayPort);

    /// <summary>Starts <paramref name="count"/> silos and waits until every one is ready.</summary>
    public static async Task<SiloCluster> StartAsync(int count, int workers, LogSink logs, CancellationToken cancellationToken)
    {
        int[] ports = FreePorts(2 * count);
        string clusterId = "demo-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        SiloSpec[] specs = Enumerable.Range(0, count)
            .Select(i => new SiloSpec(i, ports[2 * i], ports[(2 * i) + 1], ports[0], clusterId, workers))
            .ToArray();

        var silos = new SiloProcess[count];
        var cluster = new SiloCluster(silos, clusterId);
        try
        {
            silos[0] = SiloProcess.Start(specs[0], logs);
            await silos[0].WaitReadyAsync(ReadyLimit, cancellationToken);
            for (int i = 1; i < count; i++)
            {
                silos[i] = SiloProcess.Start(specs[i], logs);
            }

            await Task.WhenAll(silos.Skip(1).Select(s => s.WaitReadyAsync(ReadyLimit, cancellationToken)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Free TCP ports on loopback: all bound at once (port 0: the kernel picks), so they differ, then released for the
    /// silos. Another program could take one in between; the silo would then fail to start, and say why.
    /// </summary>
    private static int[] FreePorts(int count)
    {
        var sockets = new Socket[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            return Array.ConvertAll(sockets, s => ((IPEndPoint)s.LocalEndPoint!).Port);
        }
        finally
        {
            foreach (Socket? s in sockets)
            {
                s?.Dispose();
            }
        }
    }

    /// <summary>Stops every silo still running (all at once) and reaps them all; those killed earlier are reaped too.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_silos.Where(s => s is not null).Select(s => s.StopAsync(StopGrace)));
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            foreach (SiloProcess? s in _silos)
            {
                s?.Dispose();
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        foreach (SiloProcess? s in _silos)
        {
            s?.KillIfRunning();
        }
    }
}
