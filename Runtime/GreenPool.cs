using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using GreenProc.Internal;

namespace GreenProc;

/// <summary>
/// A <see cref="GreenGroup"/> that runs at most <see cref="Size"/> greenlets at once (gevent's <c>Pool</c>):
/// <see cref="GreenGroup.SpawnAsync(Func{Task}, CancellationToken)"/> waits for a free slot, FIFO. A slot is freed
/// when a finished member's link callbacks run, as in gevent. <c>new GreenPool()</c> is unbounded.
/// </summary>
/// <remarks>
/// A member that spawns into its own full pool waits for a slot it holds itself: if every member does, nothing can
/// ever free one, and the hub reports the deadlock (<see cref="HubDeadlockException"/>) instead of hanging. The
/// synchronous <see cref="Spawn(Func{Task})"/> refuses with <see cref="InvalidOperationException"/> whenever the pool
/// is full, and <see cref="GreenGroup.Apply{T}(Func{Task{T}})"/> from a member runs inline, as gevent's apply does.
/// </remarks>
public sealed class GreenPool : GreenGroup
{
    private readonly GreenSemaphore? _slots;

    /// <summary>Creates an unbounded pool.</summary>
    public GreenPool()
    {
    }

    /// <summary>Creates a pool running at most <paramref name="size"/> greenlets.</summary>
    /// <param name="size">The limit, 1 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive.</exception>
    public GreenPool(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        _slots = new GreenSemaphore(size);
    }

    /// <summary>The limit, or null when unbounded.</summary>
    public int? Size { get; }

    /// <summary>Free slots (<see cref="int.MaxValue"/> when unbounded).</summary>
    public int Free => _slots is null ? int.MaxValue : _slots.CurrentCount;

    /// <summary>Whether a spawn would wait.</summary>
    public bool Full => _slots is not null && _slots.IsLocked;

    /// <summary>Spawns into a free slot; never waits.</summary>
    /// <param name="body">The greenlet's body.</param>
    /// <returns>The greenlet.</returns>
    /// <exception cref="InvalidOperationException">The pool is full: use SpawnAsync to wait for a slot.</exception>
    public override Greenlet Spawn(Func<Task> body)
    {
        TakeSlotNow();
        Greenlet g = Green.Spawn(body);
        AddMember(g);
        return g;
    }

    /// <summary>Spawns into a free slot; never waits.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="body">The greenlet's body.</param>
    /// <returns>The greenlet.</returns>
    /// <exception cref="InvalidOperationException">The pool is full: use SpawnAsync to wait for a slot.</exception>
    public override Greenlet<T> Spawn<T>(Func<Task<T>> body)
    {
        TakeSlotNow();
        Greenlet<T> g = Green.Spawn(body);
        AddMember(g);
        return g;
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    public override async ValueTask<Greenlet> SpawnAsync(Func<Task> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        await WaitForSlot(cancellationToken).ConfigureAwait(true);
        Greenlet g = Green.Spawn(body);
        AddMember(g);
        return g;
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    public override async ValueTask<Greenlet<T>> SpawnAsync<T>(Func<Task<T>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        await WaitForSlot(cancellationToken).ConfigureAwait(true);
        Greenlet<T> g = Green.Spawn(body);
        AddMember(g);
        return g;
    }

    /// <summary>Adds a running greenlet, taking a slot.</summary>
    /// <param name="greenlet">The greenlet.</param>
    /// <exception cref="InvalidOperationException">The pool is full.</exception>
    public override void Add(Greenlet greenlet)
    {
        ArgumentNullException.ThrowIfNull(greenlet);
        BindHub();
        if (Contains(greenlet))
        {
            return;
        }

        TakeSlotNow();
        AddMember(greenlet);
    }

    /// <summary>Waits until a slot is free (gevent's <c>wait_available</c>).</summary>
    /// <param name="timeout">How long to wait; null waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The free slots (0 if the timeout passed first).</returns>
    [AsyncMethodBuilder(typeof(HubValueTaskMethodBuilder<>))]
    public async ValueTask<int> WaitAvailable(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_slots is null)
        {
            return int.MaxValue;
        }

        if (!await _slots.AcquireAsync(timeout, cancellationToken).ConfigureAwait(true))
        {
            return 0;
        }

        _slots.Release();
        return _slots.CurrentCount;
    }

    private protected override void OnMemberLeft() => _slots?.Release();

    private void TakeSlotNow()
    {
        if (_slots is not null && !_slots.TryAcquire())
        {
            throw new InvalidOperationException(
                $"The GreenPool is full ({Size} greenlets). Await SpawnAsync to wait for a slot; from a member of this pool use Apply, which runs inline, since waiting for a slot you hold never ends.");
        }
    }

    private ValueTask<bool> WaitForSlot(CancellationToken cancellationToken)
        => _slots is null ? new ValueTask<bool>(true) : _slots.AcquireAsync(null, cancellationToken);
}
