using System;
using System.IO;
using System.Reflection;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// How a StartProcess child is launched: this same app again, with GreenProc.Ipc as a .NET startup hook
/// (DOTNET_STARTUP_HOOKS). The hook runs before the app's Main, reads the bootstrap pipe, runs the target on a new hub
/// and exits, so Main never runs. Relaunching with the app's own runtimeconfig and deps file means the child resolves
/// every assembly the parent could (the target's included), whether the parent runs under <c>dotnet app.dll</c>,
/// <c>dotnet run</c>, an apphost, or a test host.
/// </summary>
internal static class ChildLauncher
{
    public const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    public static string HookAssemblyPath => typeof(ChildLauncher).Assembly.Location;

    /// <summary>The command line that starts a child of this app.</summary>
    public static string[] Command()
    {
        string processPath = Environment.ProcessPath
            ?? throw new PlatformNotSupportedException("StartProcess cannot tell which program runs this process (Environment.ProcessPath is null).");
        if (string.IsNullOrEmpty(HookAssemblyPath))
        {
            throw new PlatformNotSupportedException("StartProcess needs GreenProc.Ipc.dll as a file (a framework-dependent app). Single-file and NativeAOT apps are not supported: start the child program yourself and pass fds with PopenOptions.PassFds.");
        }

        string name = Path.GetFileNameWithoutExtension(processPath);
        if (!string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return [processPath]; // an apphost: it finds its runtimeconfig and deps beside itself
        }

        string deps = ((AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string) ?? string.Empty).Split(';')[0];
        string entry = Assembly.GetEntryAssembly()?.Location ?? string.Empty;
        if (deps.Length == 0 || entry.Length == 0 || !deps.EndsWith(".deps.json", StringComparison.Ordinal))
        {
            throw new PlatformNotSupportedException("StartProcess could not find this app's deps.json and entry assembly to relaunch it.");
        }

        string runtimeConfig = deps[..^".deps.json".Length] + ".runtimeconfig.json";
        if (!File.Exists(runtimeConfig))
        {
            throw new PlatformNotSupportedException($"StartProcess could not find '{runtimeConfig}' to relaunch this app.");
        }

        return [processPath, "exec", "--runtimeconfig", runtimeConfig, "--depsfile", deps, entry];
    }

    /// <summary>DOTNET_STARTUP_HOOKS for the child: any hooks this process has, then ours.</summary>
    public static string StartupHooks()
    {
        string? existing = Environment.GetEnvironmentVariable(StartupHooksVariable);
        return string.IsNullOrEmpty(existing) ? HookAssemblyPath : existing + Path.PathSeparator + HookAssemblyPath;
    }
}
