using System;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// A codec whose payload is the value's own bytes (raw bytes): large payloads are written from the caller's memory
/// with no copy into the pending buffer.
/// </summary>
internal interface IDirectPayload<T>
{
    ReadOnlyMemory<byte> GetPayload(T value);
}
