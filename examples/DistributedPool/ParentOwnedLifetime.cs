using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace DistributedPoolDemo;

/// <summary>
/// A host lifetime that leaves signals alone: the demo, not each host, decides when the client and the silos stop.
/// (The default console lifetime would stop a silo on the Ctrl+C the terminal sends the whole process group, while
/// the demo still needs it to end the job cleanly, and would print "Application started" lines.)
/// </summary>
public sealed class ParentOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
