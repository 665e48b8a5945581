using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>An unnamed manual-reset event, initially unset; 0 on failure.</summary>
    [LibraryImport(Libraries.Kernel32, EntryPoint = "CreateEventW", SetLastError = true)]
    internal static partial nint CreateEvent(nint attributes, [MarshalAs(UnmanagedType.Bool)] bool manualReset, [MarshalAs(UnmanagedType.Bool)] bool initialState, nint name);
}
