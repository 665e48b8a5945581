using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>4 bytes: <see cref="DateOnly.DayNumber"/>.</summary>
internal sealed class DateOnlyConverter : BinaryConverter<DateOnly>
{
    public DateOnlyConverter() => MinSize = 4;

    public override void Write(ref WireWriter writer, DateOnly value, int depth) => writer.WriteUnmanaged(value.DayNumber);

    public override DateOnly Read(ref WireReader reader, int depth)
    {
        int day = reader.ReadUnmanaged<int>();
        if ((uint)day > (uint)DateOnly.MaxValue.DayNumber)
        {
            BinaryThrowHelper.ThrowBadValue("DateOnly", $"day number {day}");
        }

        return DateOnly.FromDayNumber(day);
    }
}
