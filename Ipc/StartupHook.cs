using System;
using System.IO;
using GreenProc.Ipc.Internal;

/// <summary>
/// The .NET startup hook (DOTNET_STARTUP_HOOKS) through which a StartProcess child runs its target instead of the app's
/// Main. Does nothing unless GreenProc launched this process as a gipc child.
/// </summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before Main.</summary>
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(Bootstrap.EnvironmentVariable) != "1")
        {
            return;
        }

        // Not for grandchildren started with Process or Popen: they are not gipc children.
        Environment.SetEnvironmentVariable(Bootstrap.EnvironmentVariable, null);
        string? hooks = Environment.GetEnvironmentVariable(ChildLauncher.StartupHooksVariable);
        if (hooks is not null)
        {
            string rest = string.Join(Path.PathSeparator, Array.FindAll(hooks.Split(Path.PathSeparator), h => h != ChildLauncher.HookAssemblyPath));
            Environment.SetEnvironmentVariable(ChildLauncher.StartupHooksVariable, rest.Length == 0 ? null : rest);
        }

        Environment.Exit(ChildHost.Run());
    }
}
