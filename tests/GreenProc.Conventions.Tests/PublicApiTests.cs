using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace GreenProc.Conventions.Tests;

/// <summary>
/// The tracked public API (issue 18): every library has PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt, read by
/// Microsoft.CodeAnalysis.PublicApiAnalyzers at build time (an untracked public change is a build error, RS0016 and
/// RS0017). Checked here too from the compiled assemblies, so that a library cannot drop its files or its analyzer
/// unnoticed, and so that what was made internal on purpose stays so.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Libraries() => LayeringTests.Libraries();

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Every_exported_type_is_in_the_library_s_public_API_files(string library)
    {
        string folder = Path.Combine(RepositoryRoot(), library["GreenProc.".Length..]);
        string[] lines = File.ReadAllLines(Path.Combine(folder, "PublicAPI.Shipped.txt"))
            .Concat(File.ReadAllLines(Path.Combine(folder, "PublicAPI.Unshipped.txt")))
            .ToArray();
        Assert.Equal("#nullable enable", lines[0]);
        string[] untracked = Assembly.Load(library).GetExportedTypes()
            .Select(t => Declared(t))
            .Where(name => !lines.Any(l => l == name || l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + ".", StringComparison.Ordinal)))
            .ToArray();
        Assert.True(untracked.Length == 0, $"{library} exports types its PublicAPI files do not list: {string.Join(", ", untracked)}");
    }

    [Fact]
    public void The_public_API_analyzer_runs_on_every_library_with_API_files()
    {
        string props = File.ReadAllText(Path.Combine(RepositoryRoot(), "Directory.Build.props"));
        Assert.Contains("Microsoft.CodeAnalysis.PublicApiAnalyzers", props, StringComparison.Ordinal);
        Assert.Contains("<TreatWarningsAsErrors>true</TreatWarningsAsErrors>", props, StringComparison.Ordinal);
    }

    [Fact]
    public void What_only_GreenProc_itself_calls_is_not_public()
    {
        // Public only for internal callers once (the issue 18 review): now internal.
        Assert.Null(typeof(Hub).GetProperty("SwitchCount", BindingFlags.Public | BindingFlags.Instance));
        Assert.False(typeof(GreenProc.Subprocess.Redirect).Assembly.GetType("GreenProc.Subprocess.RedirectKind")!.IsPublic);
        Assert.Null(typeof(GreenProc.Subprocess.Redirect).GetProperty("Kind", BindingFlags.Public | BindingFlags.Instance));
    }

    /// <summary>A type's name as the API files write it: namespace-qualified, generic arity as &lt;T&gt;, nested with '.'.</summary>
    private static string Declared(Type type)
    {
        string name = type.IsNested ? Declared(type.DeclaringType!) + "." + type.Name : type.Namespace + "." + type.Name;
        int tick = name.LastIndexOf('`');
        if (tick >= 0)
        {
            name = name[..tick] + "<" + string.Join(", ", type.GetGenericArguments().Select(a => a.Name)) + ">";
        }

        return name;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GreenProc.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("GreenProc.sln not found above " + AppContext.BaseDirectory);
    }
}
