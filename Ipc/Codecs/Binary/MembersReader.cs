namespace GreenProc.Ipc.Internal.Binary;

/// <summary>Reads every member of a record, class or struct and builds it (a compiled expression, see <see cref="ObjectConverter{T}"/>).</summary>
internal delegate T MembersReader<T>(ref WireReader reader, int depth);
