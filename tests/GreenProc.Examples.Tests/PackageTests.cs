using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;

namespace GreenProc.ExampleTests;

/// <summary>
/// A newcomer's first minutes (issue 18): the packages are packed into a folder, a fresh `dotnet new console` project
/// adds `GreenProc` from that folder with `dotnet add package`, and runs the README's first example, then the package
/// README's process pool (which starts worker processes from the package's assemblies, as a user's app would). The
/// packages themselves are checked for what nuget.org shows and a debugger needs: README, license, repository commit,
/// XML docs, symbols.
/// </summary>
public sealed class PackageTests
{
    private static readonly string[] Layers = ["GreenProc.Interop", "GreenProc.Runtime", "GreenProc.Subprocess", "GreenProc.Ipc", "GreenProc.Cluster"];

    [Fact]
    public async Task A_fresh_console_project_adds_GreenProc_from_the_packed_folder_and_runs_the_README_examples()
    {
        string root = ReadmeTests.RepositoryRoot();
        string work = Directory.CreateTempSubdirectory("greenproc-package-test-").FullName;
        try
        {
            // Packed with bin/ and obj/ of their own (--artifacts-path): nothing of the clone's builds is reused or touched.
            string feed = Path.Combine(work, "feed");
            await RunAsync(root, "dotnet", "pack", Path.Combine(root, "GreenProc.Packages.slnf"), "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(work, "artifacts"));
            string version = Regex.Match(Path.GetFileName(Directory.GetFiles(feed, "GreenProc.0*.nupkg").Single()), @"^GreenProc\.(.+)\.nupkg$").Groups[1].Value;
            foreach (string id in Layers)
            {
                CheckPackage(feed, id, version);
            }

            Assert.Equal(["GreenProc.Ipc"], Dependencies(Path.Combine(feed, $"GreenProc.{version}.nupkg")).Select(d => d.Id));
            foreach (string id in Layers.Append("GreenProc"))
            {
                // The layers see each other's internals: each depends on exactly its own version of the others.
                Assert.All(
                    Dependencies(Path.Combine(feed, $"{id}.{version}.nupkg")).Where(d => d.Id.StartsWith("GreenProc", StringComparison.Ordinal)),
                    d => Assert.Equal($"[{version}]", d.Version));
            }

            string app = Path.Combine(work, "app");
            await RunAsync(work, "dotnet", "new", "console", "-o", app, "--no-restore");
            // The folder as one more source, and a packages folder of its own: a package of the same version restored
            // earlier on this machine (the global cache) must not stand in for the one just packed.
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config><add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" /></config>
                  <packageSources><add key="greenproc-local" value="{feed}" /></packageSources>
                </configuration>
                """);
            await RunAsync(app, "dotnet", "add", "package", "GreenProc", "--version", version);

            File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeTests.FirstBlock("README.md"));
            Assert.Equal("5", (await RunAsync(app, "dotnet", "run")).Trim());

            File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeTests.Block("pack/GreenProc/README.md", 1));
            Assert.Equal("144", (await RunAsync(app, "dotnet", "run")).Trim());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void CheckPackage(string feed, string id, string version)
    {
        string nupkg = Path.Combine(feed, $"{id}.{version}.nupkg");
        using (ZipArchive package = ZipFile.OpenRead(nupkg))
        {
            string[] entries = package.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains("README.md", entries);
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains($"lib/net10.0/{id}.xml", entries); // the XML docs, for IntelliSense
            XNamespace ns = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!.GetDefaultNamespace();
            XElement metadata = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!.Element(ns + "metadata")!;
            Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
            Assert.Matches("^[0-9a-f]{40}$", metadata.Element(ns + "repository")?.Attribute("commit")?.Value ?? "");
        }

        using ZipArchive symbols = ZipFile.OpenRead(Path.ChangeExtension(nupkg, ".snupkg"));
        Assert.Contains($"lib/net10.0/{id}.pdb", symbols.Entries.Select(e => e.FullName));
    }

    private static IEnumerable<(string Id, string Version)> Dependencies(string nupkg)
    {
        using ZipArchive package = ZipFile.OpenRead(nupkg);
        XDocument nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (e.Attribute("id")!.Value, e.Attribute("version")!.Value)).ToList();
    }

    /// <summary>Runs a command to its end (10 minutes at most, then it and its children are killed); its stdout.</summary>
    private static async Task<string> RunAsync(string directory, string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        // No build server or MSBuild node may outlive the command: it would hold our pipes (and be a process left behind).
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment.Remove("GREENPROC_REACTOR");
        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        string output = await stdout;
        Assert.True(process.ExitCode == 0, $"`{program} {string.Join(' ', args)}` in {directory} exited {process.ExitCode}:\n{output}\n{await stderr}");
        return output;
    }
}
