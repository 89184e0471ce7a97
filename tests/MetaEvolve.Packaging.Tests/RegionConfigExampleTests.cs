using System.Text.RegularExpressions;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.Packaging.Tests;

/// <summary>
/// The NATS settings the README's "Regions" section ships (config/regions/): every file is a configuration nats-server
/// accepts, and says what MetaEvolve's names need — the region's domain, its spill mapping, and on every leafnode remote
/// the task subjects denied both ways.
/// </summary>
public partial class RegionConfigExampleTests
{
    public static TheoryData<string> Examples() => [.. Directory.GetFiles(RepositoryRoot.Combine("config", "regions"), "*.conf", SearchOption.AllDirectories)
        .Select(path => Path.GetRelativePath(RepositoryRoot.Path, path)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task An_example_is_valid_nats_server_configuration_with_what_its_region_needs(string example)
    {
        var region = Path.GetFileNameWithoutExtension(example);
        var text = await File.ReadAllTextAsync(RepositoryRoot.Combine(example), TestContext.Current.CancellationToken);
        // The examples store JetStream where a NATS pod mounts its volume; nats-server -t checks the path exists.
        var scratch = Directory.CreateTempSubdirectory("metaevolve-region-conf-");
        try
        {
            var file = Path.Combine(scratch.FullName, "nats.conf");
            await File.WriteAllTextAsync(file, text.Replace("/data/jetstream", scratch.FullName, StringComparison.Ordinal), TestContext.Current.CancellationToken);
            var run = await ToolRun.RunAsync(RequiredTools.NatsServer(), ["-t", "-c", file]);
            Assert.True(run.ExitCode == 0, $"nats-server refused {example}: {run.Output}{run.Error}");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        var names = NatsNames.Default;
        var (spill, tasks) = names.SpillMapping(region);
        Assert.Matches($@"domain:\s*{region}\b", text);
        Assert.Contains($"\"{spill}\": \"{tasks}\"", text, StringComparison.Ordinal);
        var remotes = Remote().Matches(text);
        Assert.True(remotes.Count > 0 || text.Contains("listen:", StringComparison.Ordinal), $"{example} neither listens for leafnodes nor connects to a hub");
        foreach (Match remote in remotes)
        {
            Assert.Contains($"deny_imports: [\"{names.AllTasks}\"]", remote.Value, StringComparison.Ordinal);
            Assert.Contains($"deny_exports: [\"{names.AllTasks}\"]", remote.Value, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"\{\s*url:[^}]*\}", RegexOptions.Singleline)]
    private static partial Regex Remote();
}
