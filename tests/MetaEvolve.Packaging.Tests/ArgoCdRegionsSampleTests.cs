using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Packaging.Tests;

/// <summary>
/// samples/argocd/applicationset-regions.yaml: the chart's ApplicationSet gives every region values that the chart
/// accepts and renders into that region's settings and NATS configuration, every region federates with all the
/// others, and the samples' ApplicationSet reaches the same clusters.
/// </summary>
public partial class ArgoCdRegionsSampleTests
{
    private static readonly string SamplePath = RepositoryRoot.Combine("samples", "argocd", "applicationset-regions.yaml");

    private static readonly List<JsonObject> Sets = RenderedChart.ParseAll(File.ReadAllText(SamplePath));

    private static JsonObject Set(string name) =>
        Assert.Single(Sets, s => (string?)s["kind"] == "ApplicationSet" && (string?)s["metadata"]!["name"] == name);

    private static List<JsonObject> Elements(JsonObject set) =>
        [.. set["spec"]!["generators"]![0]!["list"]!["elements"]!.AsArray().Select(e => e!.AsObject())];

    public static TheoryData<string> Regions() => [.. Elements(Set("metaevolve-regions")).Select(e => (string)e["region"]!)];

    [Fact]
    public void Every_region_federates_with_all_the_others_and_gets_the_samples_on_its_cluster()
    {
        var chart = Elements(Set("metaevolve-regions"));
        var names = chart.Select(e => (string)e["region"]!).ToList();
        Assert.Equal(["eu", "us", "ap"], names);
        foreach (var element in chart)
        {
            var peers = element["peers"]!.AsArray().Select(p => (string)p!).Order(StringComparer.Ordinal);
            Assert.Equal(names.Where(n => n != (string)element["region"]!).Order(StringComparer.Ordinal), peers);
        }

        var samples = Elements(Set("metaevolve-regions-samples"));
        Assert.Equal(chart.Select(e => ((string?)e["region"], (string?)e["cluster"])), samples.Select(e => ((string?)e["region"], (string?)e["cluster"])));
        Assert.Equal("samples", (string?)Set("metaevolve-regions-samples")["spec"]!["template"]!["spec"]!["source"]!["path"]);
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public async Task A_regions_values_are_accepted_by_the_chart_and_give_it_its_region_and_nats_configuration(string region)
    {
        var set = Set("metaevolve-regions");
        var element = Elements(set).Single(e => (string?)e["region"] == region);
        var template = set["spec"]!["template"]!.AsObject();
        Assert.Equal("charts/metaevolve", (string?)template["spec"]!["source"]!["path"]);

        // Every field the ApplicationSet controller templates names a key of the element (missingkey=error).
        foreach (Match placeholder in Placeholder().Matches(template.ToJsonString()))
        {
            Assert.True(element.ContainsKey(placeholder.Groups["key"].Value), $"{region}: the template uses .{placeholder.Groups["key"].Value}, which the element lacks");
        }

        var values = Placeholder().Replace((string)template["spec"]!["source"]!["helm"]!["values"]!, placeholder =>
        {
            var value = element[placeholder.Groups["key"].Value]!;
            return placeholder.Groups["toJson"].Success ? value.ToJsonString() : (string)value!;
        });
        var scratch = Directory.CreateTempSubdirectory("metaevolve-applicationset-");
        RenderedChart chart;
        try
        {
            var file = Path.Combine(scratch.FullName, "values.yaml");
            await File.WriteAllTextAsync(file, values, TestContext.Current.CancellationToken);
            chart = await RenderedChart.RenderAsync("--values", file);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        var operatorEnv = chart.Single("Deployment", RenderedChart.Release + "-operator")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);
        Assert.Equal(region, operatorEnv[ConnectionOptions.RegionVariable]);
        Assert.Equal(string.Join(',', element["peers"]!.AsArray().Select(p => (string)p!)), operatorEnv[ConnectionOptions.PeersVariable]);
        Assert.Equal("3", operatorEnv["Operator__TaskStream__Replicas"]);

        var configuration = (string)chart.Single("ConfigMap", RenderedChart.Release + "-nats-region")["data"]!["region.conf"]!;
        var run = await NatsServerConfigCheck.RunAsync(configuration);
        Assert.True(run.ExitCode == 0, $"nats-server refused the region.conf of {region}: {run.Output}{run.Error}\n{configuration}");
        Assert.Contains($"domain: \"{region}\"", configuration, StringComparison.Ordinal);
    }

    /// <summary>The ApplicationSet's Go template placeholders this sample uses: <c>{{ .key }}</c> and <c>{{ toJson .key }}</c>.</summary>
    [GeneratedRegex(@"\{\{\s*(?<toJson>toJson\s+)?\.(?<key>\w+)\s*\}\}")]
    private static partial Regex Placeholder();
}
