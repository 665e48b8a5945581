namespace GreenProc.Ipc.Internal;

/// <summary>What StartProcess needs from a gipc handle it passes to a child.</summary>
internal interface ITransferableHandle : IGipcHandle
{
    /// <summary>A duplex end's write pipe (its <see cref="IGipcHandle.Handle"/> is the read pipe); null for a reader or writer.</summary>
    SafeFdHandle? SecondHandle { get; }

    /// <summary>Reader, writer or duplex end (the child rebuilds the same kind).</summary>
    HandleKind Kind { get; }

    /// <summary>The codec the child must use, by type (a built-in codec, or a custom one with a parameterless constructor).</summary>
    System.Type CodecType { get; }

    /// <summary>The options the child's copy gets.</summary>
    GipcOptions Options { get; }

    /// <summary>Throws <see cref="GipcClosedException"/> when the handle is closed or already went to a child.</summary>
    void EnsureTransferable();

    /// <summary>The child has its copy: close this process's (later use raises <see cref="GipcClosedException"/>).</summary>
    void CompleteTransfer();
}

/// <summary>The kinds of gipc handle.</summary>
internal enum HandleKind : byte
{
    Reader = 1,
    Writer = 2,
    Duplex = 3,
}
