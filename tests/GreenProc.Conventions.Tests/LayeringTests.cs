using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GreenProc.Conventions.Tests;

/// <summary>
/// The layering of DESIGN §1, read from the compiled assemblies: dependencies point one way
/// (Interop &lt;- Runtime &lt;- Subprocess &lt;- Ipc), native calls live in Interop only, and a layer's internals are
/// open to its neighbours and tests only.
/// </summary>
public sealed class LayeringTests
{
    // What each library may reference besides the BCL (System.*, Microsoft.Win32.*, netstandard).
    private static readonly Dictionary<string, string[]> AllowedReferences = new()
    {
        ["GreenProc.Interop"] = [],
        ["GreenProc.Runtime"] = ["GreenProc.Interop"],
        ["GreenProc.Subprocess"] = ["GreenProc.Runtime", "GreenProc.Interop", "CliWrap"],
        ["GreenProc.Ipc"] = ["GreenProc.Subprocess", "GreenProc.Runtime", "GreenProc.Interop"],

        // The optional cluster layer (issue 16) is the only one that sees Orleans (a trailing * is a prefix).
        ["GreenProc.Cluster"] = ["GreenProc.Ipc", "GreenProc.Subprocess", "GreenProc.Runtime", "Orleans.*", "Microsoft.Extensions.*", "Microsoft.Orleans.*", "Microsoft.AspNetCore.Connections.*"],
    };

    // Whose internals each library opens, besides its own test projects and the benchmark.
    private static readonly Dictionary<string, string[]> AllowedFriends = new()
    {
        ["GreenProc.Interop"] = ["GreenProc.Runtime", "GreenProc.Subprocess"],
        ["GreenProc.Runtime"] = ["GreenProc.Subprocess", "GreenProc.Ipc"],
        ["GreenProc.Subprocess"] = ["GreenProc.Ipc"],
        ["GreenProc.Ipc"] = ["GreenProc.Cluster"],
        ["GreenProc.Cluster"] = [],
    };

    public static TheoryData<string> Libraries() => new(AllowedReferences.Keys);

    [Theory]
    [MemberData(nameof(Libraries))]
    public void References_point_down_the_layers_only(string library)
    {
        string[] unexpected = Assembly.Load(library).GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => !IsBcl(n) && !AllowedReferences[library].Any(a => a.EndsWith('*') ? n.StartsWith(a[..^1], StringComparison.Ordinal) : a == n))
            .ToArray();
        Assert.True(unexpected.Length == 0, $"{library} references {string.Join(", ", unexpected)}: DESIGN §1 allows {string.Join(", ", AllowedReferences[library].DefaultIfEmpty("only the BCL"))}.");
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Internals_are_open_to_the_next_layer_and_tests_only(string library)
    {
        string[] unexpected = Assembly.Load(library).GetCustomAttributes<InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName)
            .Where(n => !n.EndsWith(".Tests", StringComparison.Ordinal) && n != "GreenProc.Bench" && !AllowedFriends[library].Contains(n))
            .ToArray();
        Assert.True(unexpected.Length == 0, $"{library} opens its internals to {string.Join(", ", unexpected)}: a layer talks to its neighbour (DESIGN §1).");
    }

    [Theory]
    [InlineData("GreenProc.Runtime")]
    [InlineData("GreenProc.Subprocess")]
    [InlineData("GreenProc.Ipc")]
    [InlineData("GreenProc.Cluster")]
    public void Native_calls_live_in_Interop_only(string library)
    {
        string[] imports = Assembly.Load(library).GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0 || m.IsDefined(typeof(LibraryImportAttribute)))
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}")
            .ToArray();
        Assert.True(imports.Length == 0, $"{library} declares native calls ({string.Join(", ", imports)}): P/Invoke lives in Interop/ (STYLE).");
    }

    [Fact]
    public void The_rules_see_real_assemblies()
    {
        // A check that cannot fail is no check: the rules above must find what the layers really hold.
        Assert.Contains("GreenProc.Interop", Assembly.Load("GreenProc.Runtime").GetReferencedAssemblies().Select(a => a.Name));
        Assert.Contains(Assembly.Load("GreenProc.Interop").GetTypes().SelectMany(t => t.GetMethods(BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)),
            m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0);
        Assert.Contains(Assembly.Load("GreenProc.Interop").GetCustomAttributes<InternalsVisibleToAttribute>(), a => a.AssemblyName == "GreenProc.Runtime");
    }

    private static bool IsBcl(string name)
        => name is "netstandard" or "mscorlib" || name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Microsoft.Win32", StringComparison.Ordinal);
}
