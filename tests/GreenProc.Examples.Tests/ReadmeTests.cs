using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GreenProc.ExampleTests;

/// <summary>
/// Every C# block of the README compiles on its own, as a user pasting it into the Program.cs of a new console project
/// (implicit usings on, nullable on) with the GreenProc packages referenced would see it: the README cannot rot.
/// </summary>
public class ReadmeTests
{
    // What `dotnet new console` puts in scope (the SDK's implicit usings for Microsoft.NET.Sdk).
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>The README's C# blocks by the line of their opening fence.</summary>
    private static Dictionary<int, string> ReadBlocks()
    {
        var blocks = new Dictionary<int, string>();
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        foreach (Match m in Regex.Matches(readme, @"^```csharp\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline))
        {
            blocks.Add(readme.AsSpan(0, m.Index).Count('\n') + 1, m.Groups[1].Value);
        }

        return blocks;
    }

    public static TheoryData<int> Blocks() => new(ReadBlocks().Keys);

    [Fact]
    public void The_README_has_csharp_blocks_to_check()
        => Assert.True(ReadBlocks().Count >= 3, "fewer than three ```csharp blocks found in README.md: did the fence style change?");

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_README_block_compiles_alone_as_a_console_program(int line)
    {
        string code = ReadBlocks()[line];
        CSharpParseOptions parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);
        CSharpCompilation compilation = CSharpCompilation.Create(
            $"ReadmeBlockAtLine{line}",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, parse), CSharpSyntaxTree.ParseText(code, parse, path: $"README.md:{line}")],
            References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        IEnumerable<Diagnostic> problems = compilation.Emit(output).Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.WarningLevel <= 4));
        Assert.True(!problems.Any(), $"The C# block at README.md line {line} does not compile alone:\n{string.Join("\n", problems)}");
    }

    /// <summary>
    /// The framework's assemblies and GreenProc's (this test's dependencies include every core GreenProc library), and
    /// the cluster layer's with Orleans and its hosting, from examples/DistributedPool's output: this project builds that
    /// example but cannot take its Orleans dependencies itself (their Roslyn conflicts with the one it uses, NU1608).
    /// </summary>
    private static List<MetadataReference> References()
    {
        string[] trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !Path.GetFileName(p).StartsWith("GreenProc.Examples.Tests", StringComparison.Ordinal))
            .ToArray();
        var names = new HashSet<string>(trusted.Select(Path.GetFileName)!, StringComparer.OrdinalIgnoreCase);
        string cluster = Path.GetDirectoryName(DistributedPoolTests.DemoDll())!;
        IEnumerable<string> clusterOnly = Directory.GetFiles(cluster, "*.dll").Where(p => !names.Contains(Path.GetFileName(p)) && Path.GetFileName(p) != "DistributedPool.dll");
        return trusted.Concat(clusterOnly).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
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
