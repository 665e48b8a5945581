using System;
using System.Buffers;

namespace GreenProc.Ipc;

/// <summary>
/// A message of raw bytes in a pooled array, for the <see cref="GipcPooledCodec"/>: large messages are read straight into
/// a rented array and handed out without allocating; <see cref="Dispose"/> returns the array to the pool. Use it for
/// streams of large messages (hundreds of KiB and up), where a fresh array per message costs page faults and gen2
/// collections.
/// </summary>
public sealed class GipcBuffer : IDisposable
{
    private byte[]? _array;
    private readonly bool _pooled;
    private readonly ReadOnlyMemory<byte> _external;

    private GipcBuffer(byte[] array, int length, bool pooled)
    {
        _array = array;
        Length = length;
        _pooled = pooled;
    }

    /// <summary>Wraps memory the caller owns (for putting; nothing is returned to a pool).</summary>
    /// <param name="memory">The message bytes.</param>
    public GipcBuffer(ReadOnlyMemory<byte> memory)
    {
        _external = memory;
        Length = memory.Length;
    }

    /// <summary>The message length in bytes.</summary>
    public int Length { get; }

    /// <summary>The message bytes (valid until <see cref="Dispose"/>).</summary>
    /// <exception cref="ObjectDisposedException">The buffer was returned to the pool.</exception>
    public ReadOnlyMemory<byte> Memory => _array is not null ? _array.AsMemory(0, Length) : Disposed ? throw new ObjectDisposedException(nameof(GipcBuffer)) : _external;

    /// <summary>The message bytes as a span (valid until <see cref="Dispose"/>).</summary>
    public ReadOnlySpan<byte> Span => Memory.Span;

    /// <summary>Writable access to a rented buffer's bytes (fill it before putting).</summary>
    /// <exception cref="InvalidOperationException">The buffer wraps caller memory.</exception>
    public Memory<byte> WritableMemory => _array is not null ? _array.AsMemory(0, Length) : throw new InvalidOperationException("This GipcBuffer wraps memory you own; write to that memory directly.");

    private bool Disposed => _pooled && _array is null;

    /// <summary>Rents a buffer of <paramref name="length"/> bytes from the shared pool (fill <see cref="WritableMemory"/>, put, dispose).</summary>
    /// <param name="length">The message length.</param>
    /// <returns>The buffer.</returns>
    public static GipcBuffer Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new GipcBuffer(ArrayPool<byte>.Shared.Rent(length), length, pooled: true);
    }

    internal static GipcBuffer FromRented(byte[] array, int length) => new(array, length, pooled: true);

    /// <summary>Returns a rented array to the pool. The bytes must not be used afterwards.</summary>
    public void Dispose()
    {
        byte[]? array = _array;
        _array = null;
        if (_pooled && array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
