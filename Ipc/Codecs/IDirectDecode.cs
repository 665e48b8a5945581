namespace GreenProc.Ipc.Internal;

/// <summary>
/// A codec whose value is a fresh array of exactly the payload (raw <c>byte[]</c>): a large frame is read straight into
/// that array, with no copy through the read buffer.
/// </summary>
internal interface IDirectDecode<T>
{
    /// <summary>Wraps an array the reader filled with exactly one payload.</summary>
    T FromPayloadArray(byte[] payload);
}
