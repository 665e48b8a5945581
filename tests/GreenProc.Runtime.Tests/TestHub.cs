using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Tests;

/// <summary>
/// Runs a hub on a thread of its own with a deadline, so that a scheduler bug fails the test instead of hanging
/// the suite.
/// </summary>
internal static class TestHub
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static T Run<T>(ReactorKind reactor, Func<Task<T>> main, HubOptions? options = null)
    {
        T result = default!;
        Func<Task> body = async () => result = await main();
        Run(reactor, body, options);
        return result;
    }

    public static void Run(ReactorKind reactor, Func<Task> main, HubOptions? options = null)
    {
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Green.Run(main, (options ?? new HubOptions()) with { Reactor = reactor });
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "test hub",
        };
        thread.Start();
        if (!thread.Join(Deadline))
        {
            throw new TimeoutException($"The hub did not finish within {Deadline}: the test hangs.");
        }

        error?.Throw();
    }
}

/// <summary>The base of every contract test: each concrete class runs the same tests on one reactor.</summary>
public abstract class HubTestBase
{
    /// <summary>Errors reported through the hub's error handler during the test.</summary>
    protected List<(Greenlet? Greenlet, Exception Error)> Reported { get; } = new();

    protected abstract ReactorKind Reactor { get; }

    protected HubOptions Options => new() { ErrorHandler = (g, e) => Reported.Add((g, e)) };

    protected void Run(Func<Task> main) => TestHub.Run(Reactor, main, Options);

    protected void Run(Func<Task> main, HubOptions options) => TestHub.Run(Reactor, main, options with { ErrorHandler = options.ErrorHandler ?? ((g, e) => Reported.Add((g, e))) });

    protected T Run<T>(Func<Task<T>> main) => TestHub.Run(Reactor, main, Options);
}
