using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// Reads and writes values of <typeparamref name="T"/>. One instance per type, built once by
/// <see cref="ConverterFactory"/> and immutable after that, so it is safe to use from any thread.
/// </summary>
/// <remarks>
/// Converters are generic classes instantiated once per type through <c>MakeGenericType</c>, and a message is one
/// virtual call per value: no reflection and no boxing per message. Records and classes add one compiled expression
/// delegate that reads or writes all of their members (see <see cref="ObjectConverter{T}"/>).
/// </remarks>
internal abstract class BinaryConverter<T> : BinaryConverter
{
    public override Type Type => typeof(T);

    /// <summary>Writes <paramref name="value"/>.</summary>
    /// <param name="writer">The payload being written.</param>
    /// <param name="value">The value (null allowed for reference types).</param>
    /// <param name="depth">How many objects and collections enclose this value.</param>
    public abstract void Write(ref WireWriter writer, T value, int depth);

    /// <summary>Reads a value back.</summary>
    /// <param name="reader">The payload being read.</param>
    /// <param name="depth">How many objects and collections enclose this value.</param>
    public abstract T Read(ref WireReader reader, int depth);
}
