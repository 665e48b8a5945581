namespace GreenProc.Ipc.Internal.Binary;

/// <summary><c>T?</c> for a value type: a presence byte, then the value when there is one.</summary>
internal sealed class NullableConverter<T> : BinaryConverter<T?>
    where T : struct
{
    private readonly BinaryConverter<T> _value;

    public NullableConverter(BinaryConverter<T> value) => _value = value;

    public override void Write(ref WireWriter writer, T? value, int depth)
    {
        if (value.HasValue)
        {
            writer.WriteByte(1);
            _value.Write(ref writer, value.GetValueOrDefault(), depth);
        }
        else
        {
            writer.WriteByte(0);
        }
    }

    public override T? Read(ref WireReader reader, int depth)
        => reader.ReadPresence() ? _value.Read(ref reader, depth) : null;
}
