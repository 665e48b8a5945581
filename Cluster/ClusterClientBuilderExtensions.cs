using System;
using GreenProc.Cluster.Internal;
using Orleans.Hosting;

namespace GreenProc.Cluster;

/// <summary>Connects an Orleans client to a cluster of GreenProc nodes that use <see cref="ClusterSiloBuilderExtensions.UseGreenProcTls"/>.</summary>
public static class ClusterClientBuilderExtensions
{
    /// <summary>
    /// Encrypts the client's connections to the gateways and authenticates both ways: the client presents
    /// <see cref="ClusterTlsOptions.Certificate"/>, and accepts only silos whose certificates chain to
    /// <see cref="ClusterTlsOptions.TrustedCertificates"/>.
    /// </summary>
    /// <param name="builder">The client.</param>
    /// <param name="configure">Sets the client's certificate and the trusted ones.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">No certificate, one without its private key, or nothing trusted.</exception>
    public static IClientBuilder UseGreenProcTls(this IClientBuilder builder, Action<ClusterTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ClusterTlsOptions();
        configure(options);
        return builder.UseTls(tls => ClusterTrust.Configure(tls, options));
    }
}
