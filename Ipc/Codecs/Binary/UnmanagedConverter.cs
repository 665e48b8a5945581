using System.Runtime.CompilerServices;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// Fixed-size values whose every bit pattern is valid, written as their little-endian memory: integers, floats
/// (NaN payloads kept), <c>char</c>, <c>Half</c>, <c>Int128</c>, <c>Guid</c>, <c>TimeSpan</c> and enums (their
/// underlying value; values with no name are kept, as the runtime allows).
/// </summary>
internal sealed class UnmanagedConverter<T> : BinaryConverter<T>
    where T : unmanaged
{
    public UnmanagedConverter() => MinSize = Unsafe.SizeOf<T>();

    public override bool IsRawMemory => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteValue(ref WireWriter writer, T value) => writer.WriteUnmanaged(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ReadValue(ref WireReader reader) => reader.ReadUnmanaged<T>();

    public override void Write(ref WireWriter writer, T value, int depth) => writer.WriteUnmanaged(value);

    public override T Read(ref WireReader reader, int depth) => reader.ReadUnmanaged<T>();
}
