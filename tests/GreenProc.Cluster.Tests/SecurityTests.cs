using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using GreenProc.Ipc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace GreenProc.Cluster.Tests;

/// <summary>
/// A node is a remote-execution service: real silos on loopback TCP, with mutual TLS, refuse clients that cannot prove
/// who they are; a node reachable from the network without it refuses to start.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class SecurityTests(ITestOutputHelper output)
{
    private static readonly X509Certificate2 s_silo = SelfSigned("greenproc-test-silo");
    private static readonly X509Certificate2 s_client = SelfSigned("greenproc-test-client");
    private static readonly X509Certificate2 s_stranger = SelfSigned("greenproc-test-stranger");

    [Fact]
    public async Task Mutual_tls_lets_a_trusted_client_in_and_keeps_others_out()
    {
        int[] before = TestClusters.Children();
        (int siloPort, int gatewayPort) = (FreePort(), FreePort());
        using IHost silo = SiloHost(siloPort, gatewayPort, s => s.UseGreenProcTls(t =>
        {
            t.Certificate = s_silo;
            t.TrustedCertificates.Add(Public(s_silo));
            t.TrustedCertificates.Add(Public(s_client));
        }));
        await silo.StartAsync();
        try
        {
            // Trusted: the pool works over the encrypted connection.
            using (IHost client = ClientHost(gatewayPort, c => c.UseGreenProcTls(t =>
            {
                t.Certificate = s_client;
                t.TrustedCertificates.Add(Public(s_silo));
            })))
            {
                await client.StartAsync();
                await using var pool = new DistributedPool(client.Services.GetRequiredService<IClusterClient>());
                int[] squares = await pool.MapAsync<int, int>(ClusterTasks.Square, [0, 1, 2, 3]);
                Assert.Equal(new[] { 0, 1, 4, 9 }, squares);
                await client.StopAsync();
            }

            // No TLS at all, and TLS with a certificate the silo does not trust: refused before any call.
            await AssertRefusedAsync(ClientHost(gatewayPort, c => GiveUp(c)));
            await AssertRefusedAsync(ClientHost(gatewayPort, c => GiveUp(c).UseGreenProcTls(t =>
            {
                t.Certificate = s_stranger;
                t.TrustedCertificates.Add(Public(s_silo));
            })));

            // A client that does not trust the silo's certificate refuses the silo.
            await AssertRefusedAsync(ClientHost(gatewayPort, c => GiveUp(c).UseGreenProcTls(t =>
            {
                t.Certificate = s_client;
                t.TrustedCertificates.Add(Public(s_stranger));
            })));
        }
        finally
        {
            await silo.StopAsync();
        }

        await TestClusters.AssertNoChildrenLeftAsync(before);
    }

    /// <summary>Starts a client that gives up at its first failed connection (Orleans' default retries for ever), and
    /// expects it to fail: refused, not left hanging, and never connected.</summary>
    private async Task AssertRefusedAsync(IHost client)
    {
        using (client)
        {
            Exception e = await Assert.ThrowsAnyAsync<Exception>(() => client.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            output.WriteLine($"refused: {e.GetType().Name}: {e.Message}");
            Assert.IsNotType<TimeoutException>(e);
            Assert.IsAssignableFrom<OrleansException>(e);
        }
    }

    [Fact]
    public void Tls_options_are_checked()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(c =>
        {
            Assert.Throws<ArgumentException>(() => c.UseGreenProcTls(_ => { }));
            Assert.Throws<ArgumentException>(() => c.UseGreenProcTls(t =>
            {
                t.Certificate = Public(s_client); // no private key
                t.TrustedCertificates.Add(Public(s_silo));
            }));
            Assert.Throws<ArgumentException>(() => c.UseGreenProcTls(t => t.Certificate = s_client)); // nothing trusted
            Assert.Throws<ArgumentNullException>(() => c.UseGreenProcTls(null!));
        });
    }

    [Fact]
    public async Task A_node_listening_beyond_loopback_without_tls_refuses_to_start()
    {
        (int siloPort, int gatewayPort) = (FreePort(), FreePort());
        using IHost exposed = SiloHost(siloPort, gatewayPort, s => s.Configure<EndpointOptions>(o => o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, gatewayPort)));
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => exposed.StartAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("UseGreenProcTls", Flatten(e), StringComparison.Ordinal);

        // Allowed explicitly (peers authenticated some other way), it starts.
        (siloPort, gatewayPort) = (FreePort(), FreePort());
        using IHost allowed = SiloHost(
            siloPort,
            gatewayPort,
            s => s.Configure<EndpointOptions>(o => o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, gatewayPort)),
            n => n.AcceptUnauthenticatedNetwork = true);
        await allowed.StartAsync();
        await allowed.StopAsync();
    }

    private static IClientBuilder GiveUp(IClientBuilder client) => client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));

    private static string Flatten(Exception e) => e is AggregateException a ? string.Join(" | ", a.Flatten().InnerExceptions.Select(Flatten)) : e.ToString();

    private static IHost SiloHost(int siloPort, int gatewayPort, Action<ISiloBuilder> configure, Action<ClusterNodeOptions>? node = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(s =>
        {
            s.UseLocalhostClustering(siloPort, gatewayPort);
            s.AddGreenProcNode(n =>
            {
                n.Pool = new ProcessPoolOptions { Workers = 1 };
                ClusterTasks.Register(n);
                node?.Invoke(n);
            });
            configure(s);
        });
        return builder.Build();
    }

    private static IHost ClientHost(int gatewayPort, Action<IClientBuilder> configure)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c =>
        {
            c.UseLocalhostClustering(gatewayPort);
            configure(c);
        });
        return builder.Build();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client authentication
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        // Through PKCS#12, so that the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 Public(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);
}
