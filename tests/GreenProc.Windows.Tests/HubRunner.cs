using System;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Windows.Tests;

/// <summary>
/// Runs a hub on a thread of its own and awaits its end with a deadline, so a scheduler bug fails the test instead of
/// hanging the run (and the test stays an async Task, as Wine requires).
/// </summary>
internal static class HubRunner
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<T> RunAsync<T>(Func<Task<T>> main, HubOptions? options = null)
    {
        T result = default!;
        await RunAsync(async () => { result = await main(); }, options);
        return result;
    }

    public static Task RunAsync(Func<Task> main, HubOptions? options = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Green.Run(main, options);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "test hub",
        };
        thread.Start();
        return WithDeadline(done.Task);
    }

    private static async Task WithDeadline(Task run)
    {
        try
        {
            await run.WaitAsync(Deadline);
        }
        catch (TimeoutException) when (!run.IsCompleted)
        {
            throw new TimeoutException($"The hub did not finish within {Deadline}: the test hangs.");
        }
    }
}
