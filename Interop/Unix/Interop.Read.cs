using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    // Bound here rather than through Tmds.LibC: its runtime-generated stub reported a stale errno (203 instead of
    // EAGAIN) for the first call in a process on .NET 10, and EAGAIN on the first read is the common case.
    // The descriptor travels as its SafeHandle: the generated stub holds a reference for the call, so a concurrent
    // dispose cannot let the number be reused under it (a closed handle: ObjectDisposedException before the call).
    // Returns the count, 0 at end of stream, or -1 with errno (LastErrno).
    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(SafeHandle fd, byte* buffer, nint count);
}
