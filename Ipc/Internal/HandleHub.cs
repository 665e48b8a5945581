using System;
using System.Threading;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// Which hub a gipc handle works on: the hub of its first use, until that hub ends (a later <c>Green.Run</c>, on any
/// thread, may then take it over). A use from another thread, or from no hub, is refused, naming the usual cause.
/// </summary>
internal static class HandleHub
{
    /// <summary>Checks the calling thread's hub against <paramref name="bound"/>; true when the handle was (re)bound now.</summary>
    /// <param name="bound">The handle's hub.</param>
    /// <param name="operation">The call, for the message ("PutAsync").</param>
    /// <param name="handle">The handle's kind, for the message ("writer").</param>
    /// <exception cref="InvalidOperationException">No hub runs on this thread, or the handle belongs to another running hub.</exception>
    public static bool Bind(ref Hub? bound, string operation, string handle)
    {
        Hub? current = Hub.Current;
        if (ReferenceEquals(current, bound) && current is not null)
        {
            return false;
        }

        if (current is null)
        {
            throw new InvalidOperationException(Thread.CurrentThread.IsThreadPoolThread
                ? $"gipc handles are used from greenlets on a hub, and this is a thread-pool thread: a ConfigureAwait(false) in the greenlet usually moved the code here. Remove it, or call {operation} inside Green.Run."
                : $"gipc handles are used from greenlets on a hub: call {operation} inside Green.Run.");
        }

        if (bound is { IsEnded: false })
        {
            throw new InvalidOperationException($"This gipc {handle} belongs to the hub of another thread (the thread of its first use); use it from greenlets of that hub only.");
        }

        bound = current;
        return true;
    }
}
