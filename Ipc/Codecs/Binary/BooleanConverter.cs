namespace GreenProc.Ipc.Internal.Binary;

/// <summary>One byte, 0 or 1; any other byte is corrupt.</summary>
internal sealed class BooleanConverter : BinaryConverter<bool>
{
    public static void WriteValue(ref WireWriter writer, bool value) => writer.WriteByte(value ? (byte)1 : (byte)0);

    public static bool ReadValue(ref WireReader reader)
    {
        byte b = reader.ReadByte();
        if (b > 1)
        {
            BinaryThrowHelper.ThrowBadBoolean(b);
        }

        return b != 0;
    }

    public override void Write(ref WireWriter writer, bool value, int depth) => WriteValue(ref writer, value);

    public override bool Read(ref WireReader reader, int depth) => ReadValue(ref reader);
}
