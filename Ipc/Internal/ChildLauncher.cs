using System;
using System.IO;
using System.Reflection;

namespace GreenProc.Ipc.Internal;

/// <summary>
/// How a StartProcess child is launched. Preferred: the <c>dotnet</c> host runs GreenProc.Ipc.dll as the program
/// (<c>dotnet exec --runtimeconfig app.runtimeconfig.json --depsfile app.deps.json GreenProc.Ipc.dll</c>): with the
/// app's runtimeconfig and deps file the child resolves every assembly the parent could (the target's included), and
/// <see cref="ChildEntryPoint"/> hosts the target. Fallback, for apps that have no shared runtime to run it with
/// (self-contained): the app itself again, with GreenProc.Ipc as a .NET startup hook (DOTNET_STARTUP_HOOKS) that hosts
/// the target before the app's Main and exits. The hook costs the child 6-11 ms more (the runtime's hook machinery runs
/// cold, through reflection), so it is only the fallback.
/// </summary>
internal static class ChildLauncher
{
    public const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    /// <summary>The runtime's diagnostic-port settings, which a child must not inherit (see Gipc.StartChild).</summary>
    public static readonly string[] DiagnosticPortVariables = ["DOTNET_DiagnosticPorts", "DOTNET_DefaultDiagnosticPortSuspend"];

    /// <summary>Tests only: launch this thread's children through the startup hook even where <c>dotnet exec</c> works.</summary>
    [ThreadStatic]
    internal static bool ForceStartupHook;

    public static string HookAssemblyPath => typeof(ChildLauncher).Assembly.Location;

    /// <summary>The command line that starts a child of this app, and whether it relies on the startup hook.</summary>
    public static (string[] Command, bool UsesStartupHook) Command()
    {
        string processPath = Environment.ProcessPath
            ?? throw new PlatformNotSupportedException("StartProcess cannot tell which program runs this process (Environment.ProcessPath is null).");
        if (string.IsNullOrEmpty(HookAssemblyPath))
        {
            throw new PlatformNotSupportedException("StartProcess needs GreenProc.Ipc.dll as a file (a framework-dependent app). Single-file and NativeAOT apps are not supported: start the child program yourself and pass fds with PopenOptions.PassFds.");
        }

        bool isMuxer = string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.OrdinalIgnoreCase);
        string? muxer = isMuxer ? processPath : SharedRuntimeMuxer();
        string? deps = DepsFile();
        string? runtimeConfig = deps is null ? null : deps[..^".deps.json".Length] + ".runtimeconfig.json";
        bool haveConfig = runtimeConfig is not null && File.Exists(runtimeConfig);

        if (muxer is not null && haveConfig && !ForceStartupHook)
        {
            return ([muxer, "exec", "--runtimeconfig", runtimeConfig!, "--depsfile", deps!, HookAssemblyPath, ChildEntryPoint.ChildArgument], false);
        }

        if (!isMuxer)
        {
            return ([processPath], true); // an apphost: it finds its runtimeconfig and deps beside itself
        }

        string entry = Assembly.GetEntryAssembly()?.Location ?? string.Empty;
        if (!haveConfig || entry.Length == 0)
        {
            throw new PlatformNotSupportedException(
                $"StartProcess could not find this app's runtimeconfig.json and deps.json (looked for '{runtimeConfig ?? "(no deps file)"}') to relaunch it.");
        }

        return ([processPath, "exec", "--runtimeconfig", runtimeConfig!, "--depsfile", deps!, entry], true);
    }

    /// <summary>DOTNET_STARTUP_HOOKS for a hook-launched child: any hooks this process has, then ours.</summary>
    public static string StartupHooks()
    {
        string? existing = Environment.GetEnvironmentVariable(StartupHooksVariable);
        return string.IsNullOrEmpty(existing) ? HookAssemblyPath : existing + Path.PathSeparator + HookAssemblyPath;
    }

    /// <summary>The app's deps.json, as the host told the runtime (null when it has none).</summary>
    private static string? DepsFile()
    {
        string deps = ((AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string) ?? string.Empty).Split(';')[0];
        return deps.EndsWith(".deps.json", StringComparison.Ordinal) && File.Exists(deps) ? deps : null;
    }

    /// <summary>
    /// The <c>dotnet</c> host of the shared runtime this process runs on (…/dotnet beside shared/Microsoft.NETCore.App/
    /// VERSION/), or null when the runtime is not a shared one (a self-contained app carries its own).
    /// </summary>
    private static string? SharedRuntimeMuxer()
    {
        string? runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        DirectoryInfo? framework = runtimeDir is null ? null : Directory.GetParent(runtimeDir);
        if (framework is null || framework.Name != "Microsoft.NETCore.App" || framework.Parent?.Name != "shared" || framework.Parent.Parent is null)
        {
            return null;
        }

        string muxer = Path.Combine(framework.Parent.Parent.FullName, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(muxer) ? muxer : null;
    }
}
