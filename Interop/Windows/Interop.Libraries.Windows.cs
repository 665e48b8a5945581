namespace GreenProc;

internal static partial class Interop
{
    /// <summary>The Windows libraries we bind ourselves.</summary>
    internal static class Libraries
    {
        internal const string Kernel32 = "kernel32.dll";
        internal const string Advapi32 = "advapi32.dll";
        internal const string NtDll = "ntdll.dll";
    }
}
