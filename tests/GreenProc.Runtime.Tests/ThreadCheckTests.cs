using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Xunit.Sdk;

namespace GreenProc.Tests;

/// <summary>
/// Every GreenProc object belongs to one hub and refuses calls from any other thread, loudly, naming
/// ConfigureAwait(false) when the caller is a thread-pool thread (the usual way greenlet code gets there).
/// </summary>
public abstract class ThreadCheckTests : HubTestBase
{
    [Fact]
    public void A_primitive_used_after_ConfigureAwait_false_in_a_greenlet_throws_instead_of_signalling_unnoticed()
    {
        Run(async () =>
        {
            var ev = new GreenEvent(); // created on the hub: it belongs to it before anyone waits on it
            Greenlet offHub = Green.Spawn(async () =>
            {
                // What an await with ConfigureAwait(false) of a task that was not complete does: the rest of the greenlet
                // runs on the thread pool (ForceYielding makes it so every time, without a race).
                await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
                ev.Set();
            }, "off-hub");

            var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await offHub);
            Assert.Contains("GreenEvent", e.Message, StringComparison.Ordinal);
            Assert.Contains("ConfigureAwait(false)", e.Message, StringComparison.Ordinal);
            Assert.False(ev.IsSet);
        });

        Assert.IsType<InvalidOperationException>(Assert.Single(Reported).Error);
    }

    [Fact]
    public void Events_and_async_results_refuse_a_thread_pool_thread()
    {
        Run(async () =>
        {
            var ev = new GreenEvent();
            var result = new GreenAsyncResult<int>();
            var ready = new GreenAsyncResult<int>();
            ready.Set(1);
            await FromThreadPool(
                ("GreenEvent.Set", () => ev.Set()),
                ("GreenEvent.Clear", () => ev.Clear()),
                ("GreenEvent.WaitAsync", () => Sync(ev.WaitAsync())),
                ("GreenAsyncResult.Set", () => result.Set(1)),
                ("GreenAsyncResult.TrySet", () => result.TrySet(1)),
                ("GreenAsyncResult.TrySetException", () => result.TrySetException(new FormatException())),
                ("GreenAsyncResult.WaitAsync", () => Sync(result.WaitAsync())),
                ("GreenAsyncResult.GetAsync", () => Sync(result.GetAsync())),
                ("GreenAsyncResult.GetAsync of a ready result", () => Sync(ready.GetAsync())));
            Assert.False(ev.IsSet);
            Assert.False(result.IsReady);
        });
    }

    [Fact]
    public void Queues_and_channels_refuse_a_thread_pool_thread()
    {
        Run(async () =>
        {
            var queue = new GreenQueue<int>();
            queue.TryPut(1);
            var lifo = new GreenLifoQueue<int>();
            var priority = new GreenPriorityQueue<int>();
            var joinable = new GreenJoinableQueue<int>();
            joinable.TryPut(1);
            var channel = new GreenChannel<int>();
            await FromThreadPool(
                ("GreenQueue.TryPut", () => queue.TryPut(2)),
                ("GreenQueue.PutAsync", () => Sync(queue.PutAsync(2))),
                ("GreenQueue.TryGet", () => queue.TryGet(out _)),
                ("GreenQueue.GetAsync", () => Sync(queue.GetAsync())),
                ("GreenQueue.TryPeek", () => queue.TryPeek(out _)),
                ("GreenQueue.PeekAsync", () => Sync(queue.PeekAsync())),
                ("GreenQueue enumeration", () => Sync(queue.GetAsyncEnumerator().MoveNextAsync())),
                ("GreenLifoQueue.TryPut", () => lifo.TryPut(1)),
                ("GreenPriorityQueue.TryPut", () => priority.TryPut(1)),
                ("GreenJoinableQueue.TaskDone", () => joinable.TaskDone()),
                ("GreenJoinableQueue.JoinAsync", () => Sync(joinable.JoinAsync())),
                ("GreenChannel.TryPut", () => channel.TryPut(1)),
                ("GreenChannel.TryGet", () => channel.TryGet(out _)),
                ("GreenChannel.PutAsync", () => Sync(channel.PutAsync(1))),
                ("GreenChannel.GetAsync", () => Sync(channel.GetAsync())));
            Assert.Equal(1, queue.Count);
            Assert.Equal(1, joinable.UnfinishedTasks);
        });
    }

    [Fact]
    public void Semaphores_and_locks_refuse_a_thread_pool_thread()
    {
        Run(async () =>
        {
            var semaphore = new GreenSemaphore(1);
            var bounded = new GreenBoundedSemaphore(1);
            Assert.True(bounded.TryAcquire());
            var gate = new GreenLock();
            Assert.True(gate.TryAcquire());
            await FromThreadPool(
                ("GreenSemaphore.TryAcquire", () => semaphore.TryAcquire()),
                ("GreenSemaphore.AcquireAsync", () => Sync(semaphore.AcquireAsync())),
                ("GreenSemaphore.LockAsync", () => Sync(semaphore.LockAsync())),
                ("GreenSemaphore.Release", () => semaphore.Release()),
                ("GreenBoundedSemaphore.Release", () => bounded.Release()),
                ("GreenLock.TryAcquire", () => gate.TryAcquire()),
                ("GreenLock.AcquireAsync", () => Sync(gate.AcquireAsync())),
                ("GreenLock.LockAsync", () => Sync(gate.LockAsync())),
                ("GreenLock.Release", () => gate.Release()));
            Assert.Equal(1, semaphore.CurrentCount);
            Assert.Equal(0, bounded.CurrentCount);
            gate.Release();
            bounded.Release();
        });
    }

    [Fact]
    public void Pools_groups_and_greenlets_refuse_a_thread_pool_thread()
    {
        Run(async () =>
        {
            var group = new GreenGroup();
            var pool = new GreenPool(2);
            using var stop = new CancellationTokenSource();
            Greenlet member = group.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan, stop.Token).AsTask());
            Greenlet pooled = pool.Spawn(() => Green.Sleep(Timeout.InfiniteTimeSpan, stop.Token).AsTask());
            Greenlet<int> done = Green.Spawn(() => Task.FromResult(7));
            Greenlet outsider = Green.Spawn(() => Task.CompletedTask);
            var local = new GreenLocal<int>();
            await Green.JoinAll([done, outsider]);
            await FromThreadPool(
                ("GreenGroup.Spawn", () => group.Spawn(() => Task.CompletedTask)),
                ("GreenGroup.SpawnAsync", () => Sync(group.SpawnAsync(() => Task.CompletedTask))),
                ("GreenGroup.Add", () => group.Add(outsider)),
                ("GreenGroup.Discard", () => group.Discard(member)),
                ("GreenGroup.JoinAsync", () => Sync(group.JoinAsync())),
                ("GreenGroup.KillAsync", () => Sync(group.KillAsync())),
                ("GreenGroup.Apply", () => Sync(group.Apply(() => Task.FromResult(1)))),
                ("GreenGroup.MapAsync", () => Sync(group.MapAsync<int, int>(Task.FromResult, [1]))),
                ("GreenPool.Spawn", () => pool.Spawn(() => Task.CompletedTask)),
                ("GreenPool.SpawnAsync", () => Sync(pool.SpawnAsync(() => Task.CompletedTask))),
                ("GreenPool.Add", () => pool.Add(outsider)),
                ("GreenPool.WaitAvailable", () => Sync(pool.WaitAvailable())),
                ("Greenlet.JoinAsync of a dead greenlet", () => Sync(done.JoinAsync())),
                ("Greenlet.GetAsync of a dead greenlet", () => Sync(done.GetAsync())),
                ("await of a dead greenlet", () => done.GetAwaiter().GetResult()),
                ("Greenlet.KillAsync", () => Sync(member.KillAsync())),
                ("Greenlet.Link", () => member.Link(_ => { })),
                ("GreenLocal.Value", () => local.Value = 1),
                ("Green.Spawn", () => Green.Spawn(() => Task.CompletedTask)),
                ("Green.Sleep", () => Sync(Green.Sleep(TimeSpan.Zero))),
                ("Green.Yield", () => Green.Yield()),
                ("Green.Current", () => GC.KeepAlive(Green.Current)));
            Assert.Same(member, Assert.Single(group));
            Assert.True(group.Contains(member));
            Assert.False(group.Contains(outsider));
            Assert.Same(pooled, Assert.Single(pool));
            Assert.True(member.IsAlive);
            stop.Cancel();
            await group.JoinAsync();
            await pool.JoinAsync();
        });
    }

    [Fact]
    public void Timeouts_and_streams_refuse_a_thread_pool_thread()
    {
        Run(async () =>
        {
            SafeFdHandle.CreatePipe(out SafeFdHandle r, out SafeFdHandle w);
            using var reader = new GreenStream(r, FileAccess.Read);
            using var writer = new GreenStream(w, FileAccess.Write);
            await writer.WriteAsync(new byte[] { 1 }); // a read off the hub would succeed at once if nothing checked it
            var buffer = new byte[1];
            using (GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMinutes(5)))
            {
                await FromThreadPool(
                    ("GreenTimeout.Start", () => GreenTimeout.Start(TimeSpan.FromSeconds(1))),
                    ("GreenTimeout.Dispose", () => scope.Dispose()),
                    ("GreenStream.ReadAsync", () => Sync(reader.ReadAsync(buffer.AsMemory()))),
                    ("GreenStream.ReadAsync (array)", () => Sync(reader.ReadAsync(buffer, 0, 1))),
                    ("GreenStream.WriteAsync", () => Sync(writer.WriteAsync(buffer.AsMemory()))),
                    ("GreenStream.WriteAsync (array)", () => Sync(writer.WriteAsync(buffer, 0, 1))));
                Assert.False(scope.Expired);
            }

            Assert.Equal(1, await reader.ReadAsync(buffer));
        });
    }

    [Fact]
    public void A_primitive_belongs_to_its_hub_and_another_hubs_thread_is_refused_without_the_ConfigureAwait_hint()
    {
        Run(async () =>
        {
            var ev = new GreenEvent();
            int hubThread = Environment.CurrentManagedThreadId;
            Exception? refused = null;
            var other = new Thread(() => Green.Run(() =>
            {
                try
                {
                    ev.Set();
                }
                catch (Exception e)
                {
                    refused = e;
                }

                return Task.CompletedTask;
            }));
            other.Start();
            await Green.RunBlocking(other.Join);
            Assert.IsType<InvalidOperationException>(refused);
            Assert.Contains($"the GreenProc hub of thread {hubThread}", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("ConfigureAwait", refused.Message, StringComparison.Ordinal);
            Assert.False(ev.IsSet);
        });
    }

    [Fact]
    public void A_primitive_created_outside_any_hub_belongs_to_the_first_hub_that_uses_it_and_no_hubless_thread_may_touch_it()
    {
        var ev = new GreenEvent();
        var queue = new GreenQueue<int>();
        Assert.Contains("No GreenProc hub runs on this thread", OnPlainThread(() => ev.Set()).Message, StringComparison.Ordinal);
        Assert.Contains("No GreenProc hub runs on this thread", OnPlainThread(() => queue.TryPut(1)).Message, StringComparison.Ordinal);
        Run(async () =>
        {
            ev.Set(); // the first hub to use them: now they are this hub's
            queue.TryPut(1);
            await FromThreadPool(("GreenEvent.Clear", () => ev.Clear()), ("GreenQueue.TryGet", () => queue.TryGet(out _)));
        });
        Assert.True(ev.IsSet);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void The_no_hub_message_names_ConfigureAwait_false_on_a_thread_pool_thread_only()
    {
        Run(async () =>
        {
            string onPool = await Task.Run(() => Assert.Throws<InvalidOperationException>(() => Green.Current).Message);
            Assert.Contains("thread-pool thread", onPool, StringComparison.Ordinal);
            Assert.Contains("ConfigureAwait(false)", onPool, StringComparison.Ordinal);
        });

        string onPlainThread = OnPlainThread(() => GC.KeepAlive(Green.Current)).Message;
        Assert.Contains("Call this inside Green.Run", onPlainThread, StringComparison.Ordinal);
        Assert.DoesNotContain("ConfigureAwait", onPlainThread, StringComparison.Ordinal);
    }

    /// <summary>Runs each call on a thread-pool thread; each must throw InvalidOperationException naming ConfigureAwait(false).</summary>
    private static async Task FromThreadPool(params (string What, Action Call)[] calls)
    {
        List<string> failures = await Task.Run(() =>
        {
            Assert.True(Thread.CurrentThread.IsThreadPoolThread);
            var found = new List<string>();
            foreach ((string what, Action call) in calls)
            {
                try
                {
                    call();
                    found.Add($"{what}: did not throw");
                }
                catch (InvalidOperationException e) when (e.Message.Contains("ConfigureAwait(false)", StringComparison.Ordinal))
                {
                    // refused, with the likely cause named
                }
                catch (Exception e)
                {
                    found.Add($"{what}: {e.GetType().Name}: {e.Message}");
                }
            }

            return found;
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Runs <paramref name="call"/> on a new thread (no hub, not the pool) and returns the InvalidOperationException it must throw.</summary>
    private static InvalidOperationException OnPlainThread(Action call)
    {
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            try
            {
                call();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        });
        thread.Start();
        thread.Join();
        return Assert.IsType<InvalidOperationException>(thrown);
    }

    // An operation that is refused fails at once: synchronously, or as a task that is already faulted.
    private static void Sync(ValueTask task) => Sync(task.AsTask());

    private static void Sync<T>(ValueTask<T> task) => Sync(task.AsTask());

    private static void Sync(Task task)
    {
        if (!task.IsCompleted)
        {
            throw new XunitException("the call was accepted: it is waiting instead of refusing");
        }

        if (task.Exception is { } e)
        {
            ExceptionDispatchInfo.Throw(e.InnerException!);
        }
    }
}

public sealed class ThreadCheckTests_Epoll : ThreadCheckTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class ThreadCheckTests_Poll : ThreadCheckTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
