namespace GreenProc.Ipc.Internal;

/// <summary>
/// A gipc handle (reader, writer or duplex end) that can be passed to a child process. Codecs meet these inside
/// StartProcess arguments (also nested in arrays, lists and records) and write a reference to the handle table instead
/// of the value.
/// </summary>
internal interface IGipcHandle
{
    /// <summary>The descriptors that carry this handle (one for a reader or writer, one socket for a duplex end).</summary>
    SafeFdHandle Handle { get; }
}
