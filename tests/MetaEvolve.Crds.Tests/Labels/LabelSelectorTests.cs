using MetaEvolve.Crds.Labels;

namespace MetaEvolve.Crds.Tests.Labels;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["metaevolve.io/pool"] = "p1" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier=front", true)]
    [InlineData("app!=web", false)]
    [InlineData("app in (web,api)", true)]
    [InlineData("app in(api)", false)]
    [InlineData("app notin (web)", false)]
    [InlineData("app notin (api,db)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing", true)]
    [InlineData("missing!=x", true)]
    [InlineData("missing notin (x)", true)]
    [InlineData("missing in (x)", false)]
    [InlineData("missing=", false)]
    [InlineData("metaevolve.io/pool=p1", true)]
    [InlineData(" app = web , tier in ( front , back ) ", true)]
    [InlineData("", true)]
    public void Selectors_match_like_the_api_server(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(Labels));

    [Theory]
    [InlineData("app in web")]
    [InlineData("app in ()")]
    [InlineData("app=web,")]
    [InlineData("app=web tier=front")]
    [InlineData("=web")]
    [InlineData("app=(web)")]
    [InlineData("!app=web")]
    [InlineData("bad key=x")]
    [InlineData("app=-web")]
    [InlineData("app in (web")]
    public void Malformed_selectors_are_rejected_in_the_api_servers_words(string selector)
    {
        var error = Assert.Throws<LabelSelectorException>(() => LabelSelector.Parse(selector));
        Assert.StartsWith("unable to parse requirement: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metaevolve.io/pool=p1", "p1")]
    [InlineData("metaevolve.io/pool==p1,app=web", "p1")]
    [InlineData("app=web,metaevolve.io/pool in (p1)", "p1")]
    [InlineData("metaevolve.io/pool in (p1,p2)", null)]
    [InlineData("metaevolve.io/pool!=p1", null)]
    [InlineData("metaevolve.io/pool", null)]
    [InlineData("app=web", null)]
    [InlineData("", null)]
    public void Only_equality_pins_a_key_to_one_value(string selector, string? pinned) =>
        Assert.Equal(pinned, LabelSelector.Parse(selector).PinnedValue("metaevolve.io/pool"));

    [Fact]
    public void Requirements_keep_their_operator_and_values()
    {
        var selector = LabelSelector.Parse("a=1,b!=2,c in (x,y),d notin (z),e,!f");
        Assert.Equal(
            [LabelSelectorOperator.Equals, LabelSelectorOperator.NotEquals, LabelSelectorOperator.In, LabelSelectorOperator.NotIn, LabelSelectorOperator.Exists, LabelSelectorOperator.DoesNotExist],
            selector.Requirements.Select(r => r.Operator));
        Assert.Equal(["x", "y"], selector.Requirements[2].Values);
        Assert.Equal("a=1,b!=2,c in (x,y),d notin (z),e,!f", selector.ToString());
    }
}
