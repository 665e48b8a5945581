using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Internal;

/// <summary>
/// What <see cref="GreenGroup.Imap{TIn, TResult}"/> and <see cref="GreenGroup.ImapUnordered{TIn, TResult}"/> return:
/// each enumeration is a fresh map over the items (its own feeder greenlet, started by the first MoveNextAsync).
/// </summary>
internal sealed class ImapSequence<TIn, TResult>(
    GreenGroup group, Func<TIn, Task<TResult>> func, IEnumerable<TIn> items, bool ordered, CancellationToken mapToken)
    : IAsyncEnumerable<TResult>
{
    public IAsyncEnumerator<TResult> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        // Either token stops the map, as [EnumeratorCancellation] would combine them for an async iterator.
        CancellationToken token = mapToken;
        CancellationTokenSource? linked = null;
        if (cancellationToken.CanBeCanceled && cancellationToken != token)
        {
            if (token.CanBeCanceled)
            {
                linked = CancellationTokenSource.CreateLinkedTokenSource(token, cancellationToken);
                token = linked.Token;
            }
            else
            {
                token = cancellationToken;
            }
        }

        return new ImapEnumerator<TIn, TResult>(group, func, items, ordered, token, linked);
    }
}
