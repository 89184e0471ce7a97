using System.Text.Json.Nodes;
using MetaEvolve.Crds.Labels;
using MetaEvolve.DevCluster.Semantics;

namespace MetaEvolve.DevCluster.Tests;

public sealed class SelectorTests
{
    private static readonly JsonObject Pod = JsonNode.Parse("""
        {"metadata":{"name":"p","namespace":"n","labels":{"app":"web","tier":"front"}},"status":{"phase":"Running"},
         "status2":{"conditions":[{"type":"Ready","status":"True"},{"type":"Other","status":"False"}]}}
        """)!.AsObject();

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier=front", true)]
    [InlineData("app!=web", false)]
    [InlineData("app in (web,api)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("missing!=x", true)]
    [InlineData("", true)]
    public void Label_selectors_match_an_objects_metadata_labels(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(Pod));

    [Fact]
    public void A_bad_label_selector_parameter_is_a_bad_request()
    {
        var error = Assert.Throws<Http.ApiException>(() => LabelSelector.ParseRequest("app in web"));
        Assert.Equal(400, error.Code);
        Assert.StartsWith("unable to parse requirement", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metadata.name=p", true)]
    [InlineData("metadata.name=q", false)]
    [InlineData("metadata.namespace=n,status.phase!=Failed", true)]
    [InlineData("status.phase==Running", true)]
    public void Field_selectors_match_object_paths(string selector, bool matches) =>
        Assert.Equal(matches, FieldSelector.Parse(selector).Matches(Pod));

    [Fact]
    public void Structured_selectors_format_as_the_scale_subresource_shows_them() =>
        Assert.Equal("app=web,tier in (a,b)", LabelSelector.Format(JsonNode.Parse("""
            {"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}
            """)!.AsObject()));

    [Theory]
    [InlineData(".status2.conditions[?(@.type==\"Ready\")].status", "True")]
    [InlineData(".metadata.labels.app", "web")]
    [InlineData(".status2.conditions[1].type", "Other")]
    [InlineData(".status2.conditions[*].type", "Ready,Other")]
    [InlineData(".metadata.labels['tier']", "front")]
    public void Printer_column_paths_evaluate(string path, string expected)
    {
        var value = JsonPathQuery.First(Pod, path);
        Assert.Equal(expected, value is JsonNode n ? JsonPathQuery.Text(n) : value?.ToString());
    }
}
