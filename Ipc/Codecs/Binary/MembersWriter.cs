namespace GreenProc.Ipc.Internal.Binary;

/// <summary>Writes every member of a record, class or struct (a compiled expression, see <see cref="ObjectConverter{T}"/>).</summary>
internal delegate void MembersWriter<T>(ref WireWriter writer, T value, int depth);
