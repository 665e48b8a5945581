namespace GreenProc;

internal static partial class Interop
{
    /// <summary>The C library every supported Unix exports the calls we bind ourselves from.</summary>
    internal const string Libc = "libc";
}
