using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>The type-erased face of a converter, used while the factory builds and links converters.</summary>
internal abstract class BinaryConverter
{
    /// <summary>
    /// How deep objects and collections may nest: deeper on encode means a reference cycle (or an absurd structure),
    /// deeper on decode means a hostile payload trying to exhaust the stack through a recursive type.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>The type this converter reads and writes.</summary>
    public abstract Type Type { get; }

    /// <summary>
    /// The fewest bytes any value of the type takes on the wire (at least 1), used to reject counts the remaining
    /// payload cannot hold before allocating for them.
    /// </summary>
    public int MinSize { get; protected set; } = 1;

    /// <summary>
    /// Whether values are written as their raw little-endian memory with no validation on read, so arrays and lists
    /// of them can be copied in bulk.
    /// </summary>
    public virtual bool IsRawMemory => false;
}
