using System;
using System.Threading;

namespace GreenProc;

// Kill and timeouts for awaits GreenProc does not control: a CancellationToken they can be given.
public partial class Greenlet
{
    /// <summary>
    /// A token cancelled when this greenlet is killed: give it to awaits GreenProc does not control
    /// (<c>httpClient.GetAsync(url, greenlet.CancellationToken)</c>, <c>Task.Delay</c>, a <c>Channel</c> read) so
    /// that a kill interrupts them as it interrupts GreenProc's own waits. Inside a <see cref="GreenTimeout"/> scope
    /// prefer <see cref="Green.CancellationToken"/>, which also fires when the scope expires.
    /// </summary>
    /// <remarks>
    /// <para>A greenlet killed while such an await is pending: its <see cref="OperationCanceledException"/> leaves the
    /// body, and the greenlet dies as killed (<see cref="Killed"/>, no error reported), as if a GreenProc wait had
    /// raised the kill. An await that ignores the token cannot be interrupted: the kill is raised at the greenlet's
    /// next GreenProc wait, and a blocking <see cref="KillAsync"/> waits until then (give it a timeout).</para>
    /// <para>The token's callbacks run on the hub thread, inside the kill; one that throws is reported to the hub's
    /// error handler. Read it on the hub thread.</para>
    /// </remarks>
    /// <exception cref="InvalidOperationException">Read from a thread other than the greenlet's hub.</exception>
    public CancellationToken CancellationToken
    {
        get
        {
            EnsureHubThread();
            Cold cold = GetCold();
            if (cold.KillSource is null)
            {
                cold.KillSource = new CancellationTokenSource();
                if (cold.KilledWith is not null || Killed)
                {
                    cold.KillSource.Cancel(); // no callbacks yet: cannot throw
                }
            }

            return cold.KillSource.Token;
        }
    }

    /// <summary>The innermost <see cref="GreenTimeout"/> scope of this greenlet that is still active, or null.</summary>
    internal GreenTimeout? InnermostScope
    {
        get => _cold?.InnermostScope;
        set
        {
            if (value is not null || _cold is not null)
            {
                GetCold().InnermostScope = value;
            }
        }
    }

    /// <summary>The token of the current scope: the innermost active <see cref="GreenTimeout"/>'s, else the greenlet's.</summary>
    internal CancellationToken InterruptToken => InnermostScope?.CancellationToken ?? CancellationToken;

    /// <summary>Cancels a token on the hub thread; a callback's error is the hub's to report, not the canceller's.</summary>
    internal static void CancelFromHub(CancellationTokenSource source, Greenlet owner)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException e)
        {
            owner.Hub.ReportError(owner, e.InnerExceptions.Count == 1 ? e.InnerExceptions[0] : e);
        }
    }

    /// <summary>A kill was delivered: cancel the token foreign awaits were given.</summary>
    private void CancelKillToken()
    {
        if (_cold?.KillSource is { IsCancellationRequested: false } source)
        {
            CancelFromHub(source, this);
        }
    }

    /// <summary>A body that ended by a cancellation after a kill was delivered died of the kill.</summary>
    private Exception? TranslateKilledCancellation(Exception? error)
        => error is OperationCanceledException && _cold?.KilledWith is { } kill ? kill : error;
}
