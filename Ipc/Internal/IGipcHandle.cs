namespace GreenProc.Ipc.Internal;

/// <summary>
/// A gipc handle (reader, writer or duplex end) that can be passed to a child process. Codecs meet these inside
/// StartProcess arguments (also nested in arrays, lists and records) and write a reference to the handle table instead
/// of the value.
/// </summary>
internal interface IGipcHandle
{
    /// <summary>The descriptor that carries this handle (for a duplex end, the pipe it reads from).</summary>
    SafeFdHandle Handle { get; }
}
