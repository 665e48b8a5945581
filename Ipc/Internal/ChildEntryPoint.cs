using System;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The entry point of GreenProc.Ipc.dll, which StartProcess runs as the child's program with the parent app's
/// runtimeconfig and deps file (so every assembly the parent could load resolves here too). It hosts the target and
/// never runs the app's own Main.
/// </summary>
internal static class ChildEntryPoint
{
    /// <summary>The argument StartProcess gives the child (on the command line, so no environment variable has to be
    /// removed again before the target starts processes of its own).</summary>
    public const string ChildArgument = "--gipc-child";

    private static int Main(string[] args)
    {
        if (args is not [ChildArgument])
        {
            Console.Error.WriteLine("GreenProc.Ipc.dll is a library: its entry point only runs the child processes that Gipc.StartProcess starts.");
            return 2;
        }

        return ChildHost.Run();
    }
}
