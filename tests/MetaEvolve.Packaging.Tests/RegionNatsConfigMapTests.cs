using System.Text.RegularExpressions;
using MetaEvolve.Core;

namespace MetaEvolve.Packaging.Tests;

/// <summary>
/// The chart's ConfigMap &lt;fullname&gt;-nats-region (values region.nats): for a hub and for a leaf, a configuration that
/// nats-server accepts with what MetaEvolve's names need, the same as config/regions/ says by hand; values that
/// contradict each other fail the render naming the value.
/// </summary>
public partial class RegionNatsConfigMapTests
{
    private const string ConfigMap = RenderedChart.Release + "-nats-region";

    public static TheoryData<string, string, string[]> Regions() => new()
    {
        // The hub of three regions, under the default root.
        { "eu", NatsNames.DefaultRoot, ["--set", "region.name=eu", "--set", "region.peers={us,ap}", "--set", "region.nats.enabled=true", "--set", "region.nats.leafnodes.listen=7422"] },
        // A leaf with two remotes, one with credentials, under a root of its own.
        { "us", "team-a", ["--set", "connections.nats.root=team-a", "--set", "region.name=us", "--set", "region.peers={eu,ap}", "--set", "region.nats.enabled=true",
            "--set-json", """region.nats.leafnodes.remotes=[{"url":"nats-leaf://leafnodes.nats.eu.example.com:7422","credentials":"/etc/nats-creds/leafnode.creds"},{"url":"nats-leaf://leafnodes.nats.ap.example.com:7422"}]"""] },
    };

    [Theory]
    [MemberData(nameof(Regions))]
    public async Task The_region_configuration_is_valid_nats_server_configuration_with_what_the_region_needs(string region, string root, string[] values)
    {
        var chart = await RenderedChart.RenderAsync(values);
        var text = (string)chart.Single("ConfigMap", ConfigMap)["data"]!["region.conf"]!;

        var run = await NatsServerConfigCheck.RunAsync(text);
        Assert.True(run.ExitCode == 0, $"nats-server refused the region.conf of {region}: {run.Output}{run.Error}\n{text}");

        var names = new NatsNames(root, region);
        var (spill, tasks) = names.SpillMapping(region);
        Assert.Matches($@"domain:\s*""{region}""", text);
        Assert.Contains($"\"{spill}\": \"{tasks}\"", text, StringComparison.Ordinal);
        var remotes = Remote().Matches(text);
        Assert.True(remotes.Count > 0 || text.Contains("listen: \"0.0.0.0:7422\"", StringComparison.Ordinal), $"{region} neither listens for leafnodes nor connects to a hub:\n{text}");
        foreach (Match remote in remotes)
        {
            Assert.Contains($"deny_imports: [\"{names.AllTasks}\"]", remote.Value, StringComparison.Ordinal);
            Assert.Contains($"deny_exports: [\"{names.AllTasks}\"]", remote.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_region_nats_enabled_there_is_no_configuration()
    {
        var chart = await RenderedChart.RenderAsync("--set", "region.name=eu", "--set", "region.peers={us}");
        Assert.DoesNotContain(chart.OfKind("ConfigMap"), c => (string?)c["metadata"]!["name"] == ConfigMap);
    }

    [Theory]
    [InlineData("region.nats.enabled=true,region.nats.leafnodes.listen=7422", "region.nats.enabled needs region.name")]
    [InlineData("region.name=eu,region.nats.enabled=true", "region.nats.leafnodes: set listen")]
    [InlineData("region.name=eu,region.nats.enabled=true,region.nats.leafnodes.remotes[0].url=http://eu:7422", "/region/nats/leafnodes/remotes/0/url")]
    [InlineData("region.name=eu,region.nats.enabled=true,region.nats.leafnodes.listen=70000", "/region/nats/leafnodes/listen")]
    [InlineData("region.peers={us},region.nats.enabled=true,region.nats.leafnodes.listen=7422", "region.peers (us) needs region.name")]
    public async Task Region_nats_values_that_cannot_make_a_configuration_fail_naming_the_value(string setting, string message)
    {
        var run = await RenderedChart.TemplateAsync("--set", setting);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{\s*url:[^}]*\}", RegexOptions.Singleline)]
    private static partial Regex Remote();
}
