using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace GreenProc.Ipc.Internal;

/// <summary>The <c>ReadAllAsync</c> of readers and duplex ends: every message until the peer closes its end.</summary>
internal static class MessageStream
{
    public static async IAsyncEnumerable<T> ReadAll<T>(Func<CancellationToken, ValueTask<T>> get, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            T item;
            try
            {
                item = await get(cancellationToken);
            }
            catch (EndOfStreamException)
            {
                yield break;
            }

            yield return item;
        }
    }
}
