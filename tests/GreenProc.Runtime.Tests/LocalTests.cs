using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace GreenProc.Tests;

public abstract class LocalTests : HubTestBase
{
    [Fact]
    public void A_thousand_greenlets_each_see_their_own_value()
    {
        Run(async () =>
        {
            var local = new GreenLocal<int>();
            var gs = Enumerable.Range(0, 1000).Select(i => Green.Spawn(async () =>
            {
                Assert.False(local.HasValue);
                local.Value = i;
                await Green.Yield();
                Assert.Equal(i, local.Value);
                return local.Value;
            })).ToList();
            await Green.JoinAll(gs, raiseError: true);
            Assert.Equal(Enumerable.Range(0, 1000), gs.Select(g => g.Value));
            Assert.Equal(0, local.Value); // main never set one
        });
    }

    [Fact]
    public void A_spawned_greenlet_does_not_inherit_its_parents_value_and_the_initializer_runs_per_greenlet()
    {
        Run(async () =>
        {
            int made = 0;
            var local = new GreenLocal<string>(() => $"init {++made}");
            local.Value = "parent";
            string? seen = await Green.Spawn(() => Task.FromResult(local.Value));
            Assert.Equal("init 1", seen);
            Assert.Equal("parent", local.Value);
            Assert.True(local.Clear());
            Assert.Equal("init 2", local.Value);
        });
    }

    [Fact]
    public void A_value_is_released_when_its_greenlet_ends()
    {
        Run(async () =>
        {
            var local = new GreenLocal<object>();
            WeakReference weak = (await Green.Spawn(() => Task.FromResult(Store(local))))!;
            await Green.Yield();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.False(weak.IsAlive);
        });

        [MethodImpl(MethodImplOptions.NoInlining)]
        static WeakReference Store(GreenLocal<object> local)
        {
            var value = new object();
            local.Value = value;
            return new WeakReference(value);
        }
    }

    [Fact]
    public void A_local_outside_a_greenlet_says_why()
    {
        var local = new GreenLocal<int>();
        Assert.Throws<InvalidOperationException>(() => local.Value);
    }
}

public sealed class LocalTests_Epoll : LocalTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class LocalTests_Poll : LocalTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
