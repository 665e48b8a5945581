namespace GreenProc.Internal;

/// <summary>What a completion packet of the hub's port is for: an I/O operation's call, or a socket's readiness poll.</summary>
internal interface ICompletionTarget
{
    /// <summary>The port reported the call (on the hub thread): its Win32 error (0: success) and the bytes moved.</summary>
    void OnPacket(int error, int bytes);

    /// <summary>Cancels the call; its packet still comes.</summary>
    void CancelCall();

    /// <summary>At the hub's end, when the port never reported the call: leave its memory to the kernel.</summary>
    void Abandon();
}
