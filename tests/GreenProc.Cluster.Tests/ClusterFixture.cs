using System;
using System.Threading.Tasks;
using Orleans.TestingHost;

namespace GreenProc.Cluster.Tests;

/// <summary>The cluster tests run one at a time: they start silos and worker processes, and count this process's children.</summary>
[CollectionDefinition(nameof(ClusterCollection), DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
}

/// <summary>A two-node cluster shared by the tests that do not stop nodes.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync() => _cluster = await TestClusters.StartAsync(2);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
    }
}
