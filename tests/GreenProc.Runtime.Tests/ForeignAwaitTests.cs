using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>
/// Kill and timeouts reach awaits GreenProc does not control through the greenlet's and the scopes' tokens
/// (issue 14): a foreign await given <see cref="Green.CancellationToken"/> is interrupted like a GreenProc wait.
/// </summary>
public abstract class ForeignAwaitTests : HubTestBase
{
    [Fact]
    public void A_kill_cancels_a_foreign_await_given_the_token_and_the_greenlet_dies_killed()
    {
        Run(async () =>
        {
            var parked = new GreenEvent();
            Greenlet g = Green.Spawn(async () =>
            {
                CancellationToken token = Green.CancellationToken;
                parked.Set();
                await Task.Delay(Timeout.Infinite, token);
            });
            await parked.WaitAsync();
            await Green.Yield(); // let it reach Task.Delay
            Assert.True(g.IsAlive);
            await g.KillAsync(timeout: TimeSpan.FromSeconds(20));
            Assert.True(g.IsReady);
            Assert.True(g.Killed);
            Assert.True(g.IsSuccessful);
            Assert.True(g.CancellationToken.IsCancellationRequested);
        });
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_kill_with_an_exception_of_its_own_ends_the_foreign_await_with_that_exception()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(() => Task.Delay(Timeout.Infinite, Green.CancellationToken));
            await Green.Yield();
            await g.KillAsync(new InvalidOperationException("stop now"), timeout: TimeSpan.FromSeconds(20));
            Assert.True(g.IsReady);
            Assert.False(g.Killed);
            Assert.Equal("stop now", Assert.IsType<InvalidOperationException>(g.Exception).Message);
        });
        Assert.Equal("stop now", Assert.Single(Reported).Error.Message);
    }

    [Fact]
    public void A_kill_of_a_greenlet_in_an_await_that_ignores_the_token_returns_at_the_timeout_and_lands_at_its_next_wait()
    {
        Run(async () =>
        {
            var foreign = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            bool passedTheForeignAwait = false;
            Greenlet g = Green.Spawn(async () =>
            {
                await foreign.Task; // ignores every token
                passedTheForeignAwait = true;
                await Green.Yield(); // the first GreenProc wait: the pending kill is raised here
                throw new InvalidOperationException("never reached");
            });
            await Green.Yield();
            await g.KillAsync(timeout: TimeSpan.Zero);
            Assert.True(g.IsAlive); // the timeout passed; the kill is pending
            Assert.True(g.CancellationToken.IsCancellationRequested);

            foreign.SetResult();
            Assert.True(await g.JoinAsync(TimeSpan.FromSeconds(20)));
            Assert.True(passedTheForeignAwait);
            Assert.True(g.Killed);
        });
        Assert.Empty(Reported);
    }

    [Fact]
    public void A_GreenTimeout_scope_bounds_a_foreign_await_given_Green_CancellationToken()
    {
        Run(async () =>
        {
            using GreenTimeout scope = GreenTimeout.Start(TimeSpan.Zero);
            CancellationToken token = Green.CancellationToken;
            Assert.Equal(scope.CancellationToken, token);
            OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, token));
            Assert.Equal(token, e.CancellationToken);
            Assert.True(scope.Expired);
            Assert.False(Green.Current.CancellationToken.IsCancellationRequested); // a timeout is not a kill
        });
    }

    [Fact]
    public void WithTimeout_and_RunSilentAsync_treat_a_foreign_await_ended_by_their_scope_as_their_timeout()
    {
        Run(async () =>
        {
            var thrown = await Assert.ThrowsAsync<GreenTimeoutException>(
                () => Green.WithTimeout(TimeSpan.Zero, () => Task.Delay(Timeout.Infinite, Green.CancellationToken)));
            Assert.True(thrown.Timeout.Expired);
            await Assert.ThrowsAsync<GreenTimeoutException>(
                () => Green.WithTimeout(TimeSpan.Zero, async () =>
                {
                    await Task.Delay(Timeout.Infinite, Green.CancellationToken);
                    return 1;
                }));
            int value = await Green.WithTimeout(TimeSpan.Zero, async () =>
            {
                await Task.Delay(Timeout.Infinite, Green.CancellationToken);
                return 1;
            }, timeoutValue: -1);
            Assert.Equal(-1, value);
            Assert.False(await GreenTimeout.RunSilentAsync(TimeSpan.Zero, () => Task.Delay(Timeout.Infinite, Green.CancellationToken)));

            // A cancellation of the caller's own token is not a timeout: it propagates.
            using var own = new CancellationTokenSource();
            own.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => Green.WithTimeout(TimeSpan.FromSeconds(20), async () =>
                {
                    await Task.Delay(Timeout.Infinite, own.Token);
                    return 1;
                }, timeoutValue: 0));
        });
    }

    [Fact]
    public void Nested_scopes_each_have_a_token_an_outer_expiry_cancels_the_inner_one_and_leaving_restores_the_outer()
    {
        Run(async () =>
        {
            CancellationToken greenletToken = Green.CancellationToken;
            Assert.Equal(Green.Current.CancellationToken, greenletToken);
            using GreenTimeout outer = GreenTimeout.Start(TimeSpan.Zero);
            CancellationToken innerToken;
            using (GreenTimeout inner = GreenTimeout.Start(Timeout.InfiniteTimeSpan))
            {
                innerToken = Green.CancellationToken;
                Assert.Equal(inner.CancellationToken, innerToken);
                Assert.NotEqual(outer.CancellationToken, innerToken);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, innerToken));
                Assert.True(outer.Expired);
                Assert.False(inner.Expired);
            }

            Assert.Equal(outer.CancellationToken, Green.CancellationToken);
            Assert.False(greenletToken.IsCancellationRequested);
        });
    }

    [Fact]
    public void A_scope_left_before_it_fires_leaves_its_token_uncancelled_and_the_greenlet_token_is_the_current_one_again()
    {
        Run(async () =>
        {
            CancellationToken scoped;
            using (GreenTimeout.Start(TimeSpan.FromMinutes(5)))
            {
                scoped = Green.CancellationToken;
                await Green.Yield();
            }

            Assert.False(scoped.IsCancellationRequested);
            Assert.Equal(Green.Current.CancellationToken, Green.CancellationToken);

            // Scopes left out of order: the survivor stays current, then the greenlet's token.
            GreenTimeout a = GreenTimeout.Start(TimeSpan.FromMinutes(5));
            GreenTimeout b = GreenTimeout.Start(TimeSpan.FromMinutes(5));
            a.Dispose();
            Assert.Equal(b.CancellationToken, Green.CancellationToken);
            b.Dispose();
            Assert.Equal(Green.Current.CancellationToken, Green.CancellationToken);
        });
    }

    [Fact]
    public void A_token_callback_that_throws_is_reported_and_the_kill_still_lands()
    {
        Run(async () =>
        {
            Greenlet g = Green.Spawn(async () =>
            {
                CancellationToken token = Green.CancellationToken;
                token.Register(() => throw new InvalidOperationException("callback failed"));
                await Task.Delay(Timeout.Infinite, token);
            });
            await Green.Yield();
            await g.KillAsync(timeout: TimeSpan.FromSeconds(20));
            Assert.True(g.Killed);
        });
        Assert.Equal("callback failed", Assert.Single(Reported).Error.Message);
    }

    [Fact]
    public void A_greenlet_that_ends_normally_or_was_killed_before_it_ran_has_a_fitting_token()
    {
        Run(async () =>
        {
            Greenlet done = Green.Spawn(() => Task.CompletedTask);
            await done.JoinAsync();
            Assert.False(done.CancellationToken.IsCancellationRequested);

            Greenlet never = Green.Spawn(() => Task.CompletedTask);
            await never.KillAsync();
            Assert.True(never.Killed);
            Assert.True(never.CancellationToken.IsCancellationRequested);
        });
    }

    [Fact]
    public void An_HttpClient_request_to_a_server_that_never_answers_ends_at_the_scope_timeout()
    {
        Run(async () =>
        {
            // The listener never accepts: the connection lands in its backlog, the request is sent, no answer comes.
            using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            silent.Listen(8);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var url = new Uri($"http://{silent.LocalEndPoint}/");
            GreenTimeoutException e = await Assert.ThrowsAsync<GreenTimeoutException>(
                () => Green.WithTimeout(TimeSpan.FromMilliseconds(100), () => http.GetAsync(url, Green.CancellationToken)));
            Assert.True(e.Timeout.Expired);
        });
    }

    [Fact]
    public void A_greenlet_in_Socket_AcceptAsync_given_its_token_is_killed_promptly()
    {
        Run(async () =>
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(8);
            Greenlet acceptor = Green.Spawn(async () =>
            {
                using Socket client = await listener.AcceptAsync(Green.CancellationToken);
            });
            await Green.Yield();
            await acceptor.KillAsync(timeout: TimeSpan.FromSeconds(20));
            Assert.True(acceptor.Killed);
        });
        Assert.Empty(Reported);
    }

    [Fact]
    public void The_tokens_are_read_on_the_hub_thread_from_a_greenlet()
    {
        Assert.Throws<InvalidOperationException>(() => Green.CancellationToken);
        Run(async () =>
        {
            Greenlet me = Green.Current;
            GreenTimeout scope = GreenTimeout.Start(TimeSpan.FromMinutes(5));
            try
            {
                await Task.Run(() =>
                {
                    Assert.Throws<InvalidOperationException>(() => me.CancellationToken);
                    Assert.Throws<InvalidOperationException>(() => scope.CancellationToken);
                }).ConfigureAwait(true);
            }
            finally
            {
                scope.Dispose();
            }
        });
    }
}

public sealed class ForeignAwaitTests_Epoll : ForeignAwaitTests
{
    protected override ReactorKind Reactor => ReactorKind.Epoll;
}

public sealed class ForeignAwaitTests_Poll : ForeignAwaitTests
{
    protected override ReactorKind Reactor => ReactorKind.Poll;
}
