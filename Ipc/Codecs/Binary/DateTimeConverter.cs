using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// 8 bytes: the ticks in the low 62 bits and the <see cref="DateTimeKind"/> in the top two (the runtime's own
/// layout). A local time keeps its clock reading; it is not converted between the two processes' time zones.
/// </summary>
internal sealed class DateTimeConverter : BinaryConverter<DateTime>
{
    private const ulong TicksMask = 0x3FFFFFFFFFFFFFFF;

    public DateTimeConverter() => MinSize = 8;

    public override void Write(ref WireWriter writer, DateTime value, int depth)
        => writer.WriteUnmanaged((ulong)value.Ticks | ((ulong)value.Kind << 62));

    public override DateTime Read(ref WireReader reader, int depth)
    {
        ulong raw = reader.ReadUnmanaged<ulong>();
        ulong kind = raw >> 62;
        ulong ticks = raw & TicksMask;
        if (kind > (ulong)DateTimeKind.Local || ticks > (ulong)DateTime.MaxValue.Ticks)
        {
            BinaryThrowHelper.ThrowBadValue("DateTime", $"0x{raw:X16}");
        }

        return new DateTime((long)ticks, (DateTimeKind)kind);
    }
}
