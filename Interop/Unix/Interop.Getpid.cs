using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "getpid")]
    internal static partial int Getpid();
}
