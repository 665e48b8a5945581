using System;

namespace GreenProc.Internal;

/// <summary>
/// One piece of a gathered write or a scattered read: the runtime's own <c>struct iovec</c>, so that layers above
/// the I/O core never see the native layer's types. It has the native layout, and <see cref="FdIO"/> hands an
/// array of them to writev(2) as is.
/// </summary>
/// <remarks>The memory must stay pinned (a pinned array, a stackalloc, a <c>fixed</c> block) until the call returns.</remarks>
internal unsafe readonly struct IOSegment
{
    private readonly byte* _base;
    private readonly nuint _length;

    public IOSegment(byte* start, int length)
    {
        _base = start;
        _length = (nuint)length;
    }

    public Span<byte> AsSpan() => new(_base, (int)_length);
}
