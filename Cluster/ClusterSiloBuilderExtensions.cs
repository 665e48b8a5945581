using System;
using GreenProc.Cluster.Internal;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;

namespace GreenProc.Cluster;

/// <summary>Makes an Orleans silo a GreenProc cluster node.</summary>
public static class ClusterSiloBuilderExtensions
{
    /// <summary>
    /// Makes this silo a node of the distributed pool: it runs a local <see cref="Ipc.ProcessPool"/> (started with the
    /// silo) and runs on it the chunks that <see cref="DistributedPool"/>s send, for the tasks registered here only.
    /// Call it on every silo of the cluster. Unless peers authenticate (<see cref="UseGreenProcTls"/>), the silo must
    /// listen on loopback only, or the node refuses to start (<see cref="ClusterNodeOptions.AcceptUnauthenticatedNetwork"/>).
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configure">Registers the tasks (<see cref="ClusterNodeOptions.AddTask{TArg, TResult}(Func{TArg, TResult})"/>) and sets the pool.</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder AddGreenProcNode(this ISiloBuilder builder, Action<ClusterNodeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        builder.Services.AddSingleton<ClusterNode>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(static s => s.GetRequiredService<ClusterNode>());
        builder.Services.AddPlacementDirector<NodePlacement, NodePlacementDirector>();
        return builder;
    }

    /// <summary>
    /// Encrypts and mutually authenticates every connection of this silo (to other silos and from clients) with
    /// certificates: a peer whose certificate does not chain to <see cref="ClusterTlsOptions.TrustedCertificates"/>
    /// is refused during the handshake, before any call. Clients use <see cref="ClusterClientBuilderExtensions.UseGreenProcTls"/>.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configure">Sets this silo's certificate and the trusted ones.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">No certificate, one without its private key, or nothing trusted.</exception>
    public static ISiloBuilder UseGreenProcTls(this ISiloBuilder builder, Action<ClusterTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ClusterTlsOptions();
        configure(options);
        builder.UseTls(tls => ClusterTrust.Configure(tls, options));
        builder.Services.AddSingleton<ClusterTlsMarker>();
        return builder;
    }
}
