using System;
using System.Security.Cryptography.X509Certificates;

namespace GreenProc.Cluster;

/// <summary>
/// Mutual TLS between a cluster's silos and clients (<see cref="ClusterSiloBuilderExtensions.UseGreenProcTls"/>,
/// <see cref="ClusterClientBuilderExtensions.UseGreenProcTls"/>): every connection, silo to silo and client to silo, is
/// encrypted, and each side presents a certificate that the other must trust. Peers are identified by certificate,
/// not by host name: a peer is trusted when its certificate chains to one in <see cref="TrustedCertificates"/> (a
/// private CA, or the peers' self-signed certificates themselves).
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>This side's certificate, with its private key.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>The certificates a peer's must chain to (only these: the machine's root store is not consulted).</summary>
    public X509Certificate2Collection TrustedCertificates { get; } = [];

    /// <summary>How long a TLS handshake may take. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal X509Certificate2 Validate()
    {
        if (Certificate is null)
        {
            throw new ArgumentException("ClusterTlsOptions.Certificate is required: the certificate this silo or client presents to its peers.", nameof(Certificate));
        }

        if (!Certificate.HasPrivateKey)
        {
            throw new ArgumentException($"ClusterTlsOptions.Certificate ({Certificate.Subject}) has no private key: load it from a PFX, or with its key.", nameof(Certificate));
        }

        if (TrustedCertificates.Count == 0)
        {
            throw new ArgumentException("ClusterTlsOptions.TrustedCertificates is empty, so no peer could be trusted: add the peers' certificates or the CA that issued them.", nameof(TrustedCertificates));
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "HandshakeTimeout must be positive.");
        }

        return Certificate;
    }
}
