using System.Runtime.InteropServices;

namespace GreenProc;

internal static partial class Interop
{
    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IOVector
    {
        public byte* Base;
        public nuint Count;
    }
}
