using System;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// The entry point of GreenProc.Ipc.dll, which StartProcess runs as the child's program with the parent app's
/// runtimeconfig and deps file (so every assembly the parent could load resolves here too). It hosts the target and
/// never runs the app's own Main.
/// </summary>
internal static class ChildEntryPoint
{
    private static int Main()
    {
        if (Environment.GetEnvironmentVariable(Bootstrap.EnvironmentVariable) != "1")
        {
            Console.Error.WriteLine("GreenProc.Ipc.dll is a library: its entry point only runs the child processes that Gipc.StartProcess starts.");
            return 2;
        }

        // Not for grandchildren started with Process or Popen: they are not gipc children.
        Environment.SetEnvironmentVariable(Bootstrap.EnvironmentVariable, null);
        return ChildHost.Run();
    }
}
