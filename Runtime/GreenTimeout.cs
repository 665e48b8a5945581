using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A timeout scope for the current greenlet (gevent's <c>Timeout</c>): once it expires, the greenlet's current or
/// next cooperative wait inside the scope raises <see cref="GreenTimeoutException"/> whose
/// <see cref="GreenTimeoutException.Timeout"/> is this scope. Dispose it (a <c>using</c>) to leave the scope.
/// </summary>
/// <remarks>
/// Scopes nest freely; each fires once. An outer scope that fires during an inner wait raises the outer scope's
/// exception unchanged, through every inner scope and every <c>timeout</c> argument. A timeout interrupts
/// GreenProc waits only (a switch point); a greenlet that never waits cannot be interrupted. For a scope that
/// ends silently use <see cref="Green.WithTimeout{T}(TimeSpan, Func{System.Threading.Tasks.Task{T}}, T)"/> or
/// <see cref="RunSilentAsync"/>.
/// </remarks>
public sealed class GreenTimeout : IDisposable
{
    private readonly Greenlet _owner;
    private readonly ScopeTimer? _timer;
    private readonly bool _perCall;
    private readonly GreenTimeout? _outer; // the scope that was innermost when this one started
    private CancellationTokenSource? _cancellation; // made when CancellationToken is first read
    private CancellationToken _token; // its token, kept: a disposed source's Token throws
    private bool _disposed;

    private GreenTimeout(Greenlet owner, TimeSpan duration, bool perCall)
    {
        _owner = owner;
        Duration = duration;
        _perCall = perCall;
        if (!perCall)
        {
            _outer = owner.InnermostScope;
            owner.InnermostScope = this;
            if (duration != Timeout.InfiniteTimeSpan)
            {
                _timer = new ScopeTimer(this);
                owner.Hub.Timeouts.Add(_timer, Hub.DueAfter(duration));
            }
        }
    }

    /// <summary>The length of the scope (<see cref="Timeout.InfiniteTimeSpan"/>: never fires).</summary>
    public TimeSpan Duration { get; }

    /// <summary>Whether the deadline has passed (the scope fired).</summary>
    public bool Expired { get; private set; }

    /// <summary>The greenlet the scope belongs to.</summary>
    public Greenlet Greenlet => _owner;

    /// <summary>
    /// A token cancelled when this scope expires or an enclosing one does, or its greenlet is killed: give it to
    /// awaits GreenProc does not control so that the scope bounds them too. <see cref="Green.CancellationToken"/> is
    /// the innermost scope's. Such an await ends with its own <see cref="OperationCanceledException"/>, not
    /// <see cref="GreenTimeoutException"/>; <see cref="Green.WithTimeout{T}(TimeSpan, Func{Task{T}}, T)"/> and
    /// <see cref="RunSilentAsync"/> treat it as their timeout. Once the scope is left the token no longer fires.
    /// Read it on the hub thread.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read from a thread other than the greenlet's hub.</exception>
    public CancellationToken CancellationToken
    {
        get
        {
            if (!_owner.Hub.IsHubThread)
            {
                throw Hub.WrongThread(_owner.Hub, "This GreenTimeout");
            }

            if (_cancellation is null && !_disposed)
            {
                GreenTimeout? outer = _outer;
                while (outer is { _disposed: true })
                {
                    outer = outer._outer;
                }

                CancellationToken enclosing = _perCall ? default : outer?.CancellationToken ?? _owner.CancellationToken;
                _cancellation = CancellationTokenSource.CreateLinkedTokenSource(enclosing);
                _token = _cancellation.Token;
                if (Expired)
                {
                    _cancellation.Cancel(); // no callbacks yet: cannot throw
                }
            }

            return _token; // a scope left before anyone asked: a token that never fires
        }
    }

    internal bool IsActive => !_disposed;

    /// <summary>Whether <paramref name="e"/> is a foreign await ended through this scope's token as it expired.</summary>
    internal bool CancelledByExpiry(OperationCanceledException e)
        => Expired && _cancellation is not null && e.CancellationToken == _token;

    /// <summary>Starts a scope of <paramref name="duration"/> for the current greenlet.</summary>
    /// <param name="duration">Time until it fires; <see cref="TimeSpan.Zero"/> fires at the next loop turn,
    /// <see cref="Timeout.InfiniteTimeSpan"/> never.</param>
    /// <returns>The scope; dispose it to leave.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative (other than infinite).</exception>
    /// <exception cref="InvalidOperationException">Not called from a greenlet.</exception>
    public static GreenTimeout Start(TimeSpan duration)
    {
        Hub.ValidateTimeout(duration, nameof(duration));
        return new GreenTimeout(Hub.RequireCurrent().RequireGreenlet(nameof(Start)), duration, perCall: false);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in the current greenlet under a scope of <paramref name="duration"/> and returns
    /// false if this scope fired (the silent variant of gevent's <c>Timeout(seconds, False)</c>). Any other
    /// exception, an outer scope's included, propagates.
    /// </summary>
    /// <param name="duration">The scope's length.</param>
    /// <param name="body">The work.</param>
    /// <returns>True if <paramref name="body"/> finished, false if this scope expired first.</returns>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    public static async ValueTask<bool> RunSilentAsync(TimeSpan duration, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using GreenTimeout scope = Start(duration);
        try
        {
            await body().ConfigureAwait(true);
            return true;
        }
        catch (GreenTimeoutException e) when (ReferenceEquals(e.Timeout, scope))
        {
            return false;
        }
        catch (OperationCanceledException e) when (scope.CancelledByExpiry(e))
        {
            return false; // a foreign await given this scope's token
        }
    }

    /// <summary>Leaves the scope; a scope that has not fired never will.</summary>
    /// <exception cref="InvalidOperationException">
    /// Called from a thread other than its greenlet's hub (the scope's timer lives in that hub's heap): typically the
    /// end of a <c>using</c> block that a ConfigureAwait(false) moved to the thread pool.
    /// </exception>
    public void Dispose()
    {
        if (!_owner.Hub.IsHubThread)
        {
            throw Hub.WrongThread(_owner.Hub, "This GreenTimeout");
        }

        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_timer is { IsArmed: true })
        {
            _owner.Hub.Timeouts.Remove(_timer);
        }

        _owner.ForgetFiredScope(this);
        if (ReferenceEquals(_owner.InnermostScope, this))
        {
            // Left in order (a using block): the enclosing scope is innermost again. Skip any left out of order.
            GreenTimeout? outer = _outer;
            while (outer is { _disposed: true })
            {
                outer = outer._outer;
            }

            _owner.InnermostScope = outer;
        }

        // Unlinks from the enclosing token, whose source may live as long as the greenlet.
        _cancellation?.Dispose();
    }

    /// <summary>The scope a per-call <c>timeout</c> argument stands for, made only when it fires.</summary>
    internal static GreenTimeout CreateExpired(TimeSpan duration, Greenlet owner)
        => new(owner, duration, perCall: true) { Expired = true };

    internal string DescribeExpiry() => _perCall
        ? $"The wait timed out after {Duration} (its timeout argument) in greenlet '{_owner.Name}'."
        : $"The GreenTimeout of {Duration} started by greenlet '{_owner.Name}' expired.";

    /// <inheritdoc />
    public override string ToString() => $"GreenTimeout({Duration}, {(Expired ? "expired" : _disposed ? "left" : "active")})";

    private void Fire()
    {
        if (_disposed)
        {
            return;
        }

        Expired = true;
        _owner.DeliverTimeout(this);
        if (_cancellation is { } cancellation)
        {
            Greenlet.CancelFromHub(cancellation, _owner);
        }
    }

    private sealed class ScopeTimer(GreenTimeout scope) : HubTimer
    {
        public override void Fire() => scope.Fire();
    }
}
