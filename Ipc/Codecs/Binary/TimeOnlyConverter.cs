using System;

namespace GreenProc.Ipc.Internal.Binary;

/// <summary>8 bytes: <see cref="TimeOnly.Ticks"/>.</summary>
internal sealed class TimeOnlyConverter : BinaryConverter<TimeOnly>
{
    public TimeOnlyConverter() => MinSize = 8;

    public override void Write(ref WireWriter writer, TimeOnly value, int depth) => writer.WriteUnmanaged(value.Ticks);

    public override TimeOnly Read(ref WireReader reader, int depth)
    {
        long ticks = reader.ReadUnmanaged<long>();
        if ((ulong)ticks > (ulong)TimeOnly.MaxValue.Ticks)
        {
            BinaryThrowHelper.ThrowBadValue("TimeOnly", $"ticks {ticks}");
        }

        return new TimeOnly(ticks);
    }
}
