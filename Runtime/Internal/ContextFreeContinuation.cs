using System;
using System.Threading;

namespace GreenProc.Internal;

/// <summary>
/// Runs, on the hub, a continuation whose awaiting code opted out of the SynchronizationContext (ConfigureAwait(false):
/// library code such as a StreamReader over a <see cref="GreenStream"/>), with no context, as the thread pool would run it.
/// </summary>
/// <remarks>
/// Why: such code typically completes Tasks of its own (a default-built async method) that other context-free code
/// awaits. The BCL inlines a context-free Task continuation only where no SynchronizationContext is current, and sends
/// it to the thread pool otherwise, which on the hub (whose greenlets run under a context) would carry the library's
/// next call on a GreenProc object off the hub, where it is refused. Without a context the whole context-free chain
/// runs inline, on the hub, in the awaiting greenlet's turn; code that awaits normally is resumed with its context as
/// always, and the hub sets each run-queue item's context afresh.
/// </remarks>
internal static class ContextFreeContinuation
{
    public static void Invoke(Action<object?> continuation, object? state)
    {
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            continuation(state);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }
}
