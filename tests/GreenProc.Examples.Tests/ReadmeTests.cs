using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GreenProc.ExampleTests;

/// <summary>
/// Every C# block of the README, and of each package's README (what nuget.org shows), compiles on its own, as a user pasting it into the Program.cs of a new console project
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

    /// <summary>The repository's README and the packages' (the packable projects' README.md, packed with each).</summary>
    private static readonly string[] Readmes =
        ["README.md", "Interop/README.md", "Runtime/README.md", "Subprocess/README.md", "Ipc/README.md", "Cluster/README.md", "pack/GreenProc/README.md"];

    /// <summary>A README's C# blocks by the line of their opening fence.</summary>
    private static Dictionary<int, string> ReadBlocks(string file = "README.md")
    {
        var blocks = new Dictionary<int, string>();
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), file));
        foreach (Match m in Regex.Matches(readme, @"^```csharp\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline))
        {
            blocks.Add(readme.AsSpan(0, m.Index).Count('\n') + 1, m.Groups[1].Value);
        }

        return blocks;
    }

    /// <summary>The first C# block of <paramref name="file"/> (a path from the repository's root).</summary>
    internal static string FirstBlock(string file) => Block(file, 0);

    /// <summary>The C# block number <paramref name="index"/> (from 0) of <paramref name="file"/>.</summary>
    internal static string Block(string file, int index) => ReadBlocks(file).OrderBy(b => b.Key).ElementAt(index).Value;

    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in Readmes)
        {
            foreach (int line in ReadBlocks(file).Keys)
            {
                data.Add(file, line);
            }
        }

        return data;
    }

    [Fact]
    public void The_READMEs_have_csharp_blocks_to_check()
    {
        Assert.True(ReadBlocks().Count >= 3, "fewer than three ```csharp blocks found in README.md: did the fence style change?");
        Assert.All(Readmes.Skip(1), file => Assert.True(ReadBlocks(file).Count >= 1, $"{file}: a package README shows at least one example"));
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_README_block_compiles_alone_as_a_console_program(string file, int line)
    {
        string code = ReadBlocks(file)[line];
        CSharpParseOptions parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);
        CSharpCompilation compilation = CSharpCompilation.Create(
            $"ReadmeBlockAtLine{line}",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, parse), CSharpSyntaxTree.ParseText(code, parse, path: $"{file}:{line}")],
            References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        IEnumerable<Diagnostic> problems = compilation.Emit(output).Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.WarningLevel <= 4));
        Assert.True(!problems.Any(), $"The C# block at {file} line {line} does not compile alone:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void Spawning_without_waiting_warns_CS4014_unless_the_greenlet_is_discarded()
    {
        // The README's idiom, checked against the compiler: a dropped greenlet is an unobserved awaitable (CS4014),
        // the discard says it is meant, and awaiting it stays possible.
        static string[] Warnings(string statement)
        {
            string code = "using GreenProc;\nGreen.Run(async () =>\n{\n    " + statement + "\n    await Green.Spawn(() => Task.CompletedTask);\n});\n";
            CSharpCompilation compilation = CSharpCompilation.Create(
                "SpawnIdiom",
                [CSharpSyntaxTree.ParseText(ImplicitUsings), CSharpSyntaxTree.ParseText(code)],
                References(),
                new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
            using var output = new MemoryStream();
            var result = compilation.Emit(output);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            return result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.Id).ToArray();
        }

        Assert.Contains("CS4014", Warnings("Green.Spawn(() => Green.Sleep(TimeSpan.FromMilliseconds(1)).AsTask());"));
        Assert.Empty(Warnings("_ = Green.Spawn(() => Green.Sleep(TimeSpan.FromMilliseconds(1)).AsTask());"));
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

    /// <summary>The clone's root (where GreenProc.sln is), above the test's output folder.</summary>
    internal static string RepositoryRoot()
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
