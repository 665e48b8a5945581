using System;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace GreenProc.Cluster.Internal;

/// <summary>Configures Orleans' TLS for mutual authentication against <see cref="ClusterTlsOptions.TrustedCertificates"/>.</summary>
internal static class ClusterTrust
{
    // Any name will do for SNI: peers are checked by certificate, not by host name (silos are addressed by IP).
    private const string TargetHost = "greenproc-cluster";

    public static void Configure(TlsOptions tls, ClusterTlsOptions options)
    {
        X509Certificate2 certificate = options.Validate();
        X509Certificate2Collection trusted = [.. options.TrustedCertificates];
        tls.LocalCertificate = certificate;
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.HandshakeTimeout = options.HandshakeTimeout;
        tls.RemoteCertificateValidation = (remote, _, _) => IsTrusted(remote, trusted);
        tls.OnAuthenticateAsClient = (_, client) => client.TargetHost = TargetHost;
    }

    /// <summary>Whether <paramref name="remote"/> chains to one of <paramref name="trusted"/> (and only those) and is in its validity period.</summary>
    public static bool IsTrusted(X509Certificate2? remote, X509Certificate2Collection trusted)
    {
        if (remote is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA has no revocation service; rotate certificates instead
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        return chain.Build(remote);
    }
}
