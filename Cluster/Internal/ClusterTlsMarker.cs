namespace GreenProc.Cluster.Internal;

/// <summary>Registered by <see cref="ClusterSiloBuilderExtensions.UseGreenProcTls"/>: the silo's peers authenticate with
/// certificates, so its node may listen beyond loopback.</summary>
internal sealed class ClusterTlsMarker
{
}
