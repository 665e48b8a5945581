namespace GreenProc.Ipc.Internal.Pool;

/// <summary>
/// What a worker is told at start, beside its pipes: the initializer to run first (found by metadata token, as tasks
/// are) and its encoded argument, and the worker's number in the pool (for its name in reports). It travels as a
/// <c>byte[]</c> written by hand (<see cref="ToBytes"/>), not as a record through the binary codec: the codec's first
/// record in a process compiles an expression tree, ~25 ms of a worker's start (measured: a worker ready in 57.7 ms
/// against 30.2 ms for a plain StartProcess child's first message).
/// </summary>
/// <param name="Number">The worker's number (1, 2, ...; replacements get new ones).</param>
/// <param name="InitializerAssembly">The initializer's assembly's simple name, or null for none.</param>
/// <param name="InitializerAssemblyPath">Where the pool loaded that assembly from.</param>
/// <param name="InitializerType">The initializer's declaring type's full name (a check).</param>
/// <param name="InitializerToken">The initializer's metadata token.</param>
/// <param name="InitializerArgument">Its argument, encoded with the binary codec of its parameter type; null when it takes none.</param>
internal sealed record WorkerSetup(
    int Number,
    string? InitializerAssembly,
    string? InitializerAssemblyPath,
    string? InitializerType,
    int InitializerToken,
    byte[]? InitializerArgument)
{
    public byte[] ToBytes()
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>(256);
        PoolProtocol.WriteInt32(w, Number);
        PoolProtocol.WriteByte(w, InitializerAssembly is null ? (byte)0 : (byte)1);
        if (InitializerAssembly is not null)
        {
            PoolProtocol.WriteString(w, InitializerAssembly);
            PoolProtocol.WriteString(w, InitializerAssemblyPath!);
            PoolProtocol.WriteString(w, InitializerType!);
            PoolProtocol.WriteInt32(w, InitializerToken);
            PoolProtocol.WriteByte(w, InitializerArgument is null ? (byte)0 : (byte)1);
            if (InitializerArgument is not null)
            {
                PoolProtocol.WriteInt32(w, InitializerArgument.Length);
                System.Buffers.BuffersExtensions.Write(w, InitializerArgument);
            }
        }

        return w.WrittenSpan.ToArray();
    }

    public static WorkerSetup FromBytes(System.ReadOnlySpan<byte> data)
    {
        var r = new PoolProtocol.Reader(data);
        int number = r.ReadInt32();
        if (r.ReadByte() == 0)
        {
            return new WorkerSetup(number, null, null, null, 0, null);
        }

        string assembly = r.ReadString(), path = r.ReadString(), type = r.ReadString();
        int token = r.ReadInt32();
        byte[]? argument = r.ReadByte() == 0 ? null : r.ReadBytes(r.ReadInt32()).ToArray();
        return new WorkerSetup(number, assembly, path, type, token, argument);
    }
}
