using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace GreenProc;

// Which hub a call belongs to: the current hub, a primitive's hub, and the errors for a call from the wrong thread.
public sealed partial class Hub
{
    internal static Hub RequireCurrent() => t_current ?? throw NoHubOnThisThread();

    internal Greenlet RequireGreenlet(string operation)
        => CurrentGreenlet ?? throw new InvalidOperationException(
            $"{operation} must be called from a greenlet; hub callbacks (links, Post) cannot wait. Spawn a greenlet to wait.");

    /// <summary>
    /// Checks that a primitive is used on its hub's thread and returns that hub. Every operation of every primitive,
    /// waiting or not, goes through here. A primitive belongs to the hub it was created on (its constructor reads
    /// <see cref="Current"/>), or, when created outside any hub, to the first hub that uses it. A call from any other
    /// thread throws: primitives are single-hub objects that no lock protects, and the usual way greenlet code reaches
    /// another thread is a ConfigureAwait(false), which would otherwise go unnoticed until state is corrupt.
    /// </summary>
    internal static Hub Bind(ref Hub? bound, object primitive)
    {
        // The per-operation path: the bound hub, running on this very thread, is the current hub.
        Hub? b = bound;
        return b is not null && b.IsHubThread && !b._disposed ? b : BindSlow(ref bound, primitive);
    }

    private static Hub BindSlow(ref Hub? bound, object primitive)
    {
        Hub? current = t_current;
        if (current is null)
        {
            // No hub here: a thread-pool thread, a thread of the user's, or this hub's thread after Green.Run returned.
            throw bound is not null && !bound.IsHubThread ? WrongThread(bound, Describe(primitive)) : NoHubOnThisThread();
        }

        if (bound is null)
        {
            bound = current; // created outside any hub: it belongs to the first hub that uses it
        }
        else if (!ReferenceEquals(bound, current))
        {
            throw WrongThread(bound, Describe(primitive));
        }

        return current;
    }

    /// <summary>The error for a call on a thread that runs no hub; names ConfigureAwait(false) when that is the likely cause.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static InvalidOperationException NoHubOnThisThread()
        => new(Thread.CurrentThread.IsThreadPoolThread
            ? "No GreenProc hub runs on this thread: it is a thread-pool thread. Greenlet code usually lands on one after an await "
                + "with ConfigureAwait(false), whose continuation does not go back to the hub. Remove the ConfigureAwait(false): "
                + "greenlet code must not use it. Work meant for another thread reaches a hub through hub.Post(...), and blocking "
                + "work goes through Green.RunBlocking."
            : "No GreenProc hub runs on this thread. Call this inside Green.Run(...), from the hub's own thread; other threads "
                + "reach a hub through hub.Post(...).");

    /// <summary>The error for a hub-bound object used from another thread; names ConfigureAwait(false) on a thread-pool thread.</summary>
    /// <param name="owner">The hub the object belongs to.</param>
    /// <param name="what">The object, as a sentence starts with it ("This GreenEvent", "Greenlet 'worker'").</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static InvalidOperationException WrongThread(Hub owner, string what)
    {
        string hub = owner._disposed
            ? $"the GreenProc hub that ran on thread {owner._threadId} (it has ended)"
            : $"the GreenProc hub of thread {owner._threadId}";
        string caller = Thread.CurrentThread.IsThreadPoolThread
            ? $"thread-pool thread {Environment.CurrentManagedThreadId}. Greenlet code usually lands on one after an await with "
                + "ConfigureAwait(false), whose continuation does not go back to the hub: remove the ConfigureAwait(false) "
                + "(greenlet code must not use it)"
            : $"thread {Environment.CurrentManagedThreadId}";
        return new InvalidOperationException(
            $"{what} belongs to {hub} and was used from {caller}. Use it only from that hub's greenlets; another thread reaches "
                + "the hub through hub.Post(...).");
    }

    private static string Describe(object primitive)
    {
        string name = primitive.GetType().Name;
        int arity = name.IndexOf('`', StringComparison.Ordinal);
        return "This " + (arity < 0 ? name : name[..arity]);
    }
}
