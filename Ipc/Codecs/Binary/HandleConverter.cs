namespace GreenProc.Ipc.Internal.Binary;

/// <summary>
/// A gipc handle inside StartProcess arguments: a varint of (index + 1) in the active <see cref="HandleTable"/>,
/// 0 meaning null. The descriptors themselves travel to the child by inheritance, not in the payload.
/// </summary>
internal sealed class HandleConverter<T> : BinaryConverter<T>
    where T : class, IGipcHandle
{
    public override void Write(ref WireWriter writer, T value, int depth)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        HandleTable? table = HandleTable.Current;
        if (table is null)
        {
            BinaryThrowHelper.ThrowNoHandleTable();
        }

        writer.WriteVarUInt32((uint)table.Register(value) + 1);
    }

    public override T Read(ref WireReader reader, int depth)
    {
        uint n = reader.ReadVarUInt32();
        if (n == 0)
        {
            return null!;
        }

        HandleTable? table = HandleTable.Current;
        if (table is null)
        {
            BinaryThrowHelper.ThrowNoHandleTable();
        }

        if (n > int.MaxValue)
        {
            BinaryThrowHelper.ThrowBadValue("handle index", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        IGipcHandle handle = table.Resolve((int)(n - 1), typeof(T));
        if (handle is not T typed)
        {
            BinaryThrowHelper.ThrowWrongHandle(typeof(T), handle?.GetType());
            return null!;
        }

        return typed;
    }
}
