using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>10 bytes: the clock ticks (8) and the offset in minutes (2).</summary>
internal sealed class DateTimeOffsetConverter : BinaryConverter<DateTimeOffset>
{
    private const short MaxOffsetMinutes = 14 * 60;

    public DateTimeOffsetConverter() => MinSize = 10;

    public override void Write(ref WireWriter writer, DateTimeOffset value, int depth)
    {
        writer.WriteUnmanaged(value.Ticks);
        writer.WriteUnmanaged((short)value.TotalOffsetMinutes);
    }

    public override DateTimeOffset Read(ref WireReader reader, int depth)
    {
        long ticks = reader.ReadUnmanaged<long>();
        short minutes = reader.ReadUnmanaged<short>();
        if (minutes is < -MaxOffsetMinutes or > MaxOffsetMinutes || (ulong)ticks > (ulong)DateTime.MaxValue.Ticks)
        {
            BinaryThrowHelper.ThrowBadValue("DateTimeOffset", $"ticks {ticks}, offset {minutes} min");
        }

        // The constructor still rejects a clock time whose UTC equivalent leaves the DateTime range; Decode wraps that.
        return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
    }
}
