using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills;

namespace MetaEvolve.Core.Tests.Skills;

public sealed class SkillDigestTests
{
    [Fact]
    public void Key_order_whitespace_and_nulls_do_not_change_the_digest()
    {
        var a = JsonNode.Parse("""{"type":"CSharp","csharp":{"source":"x"},"version":"1.0.0"}""");
        var b = JsonNode.Parse("""{ "version": "1.0.0", "csharp": { "source": "x" }, "type": "CSharp", "description": null }""");

        Assert.Equal(SkillDigest.Compute(a), SkillDigest.Compute(b));
        Assert.Matches("^sha256:[0-9a-f]{64}$", SkillDigest.Compute(a));
    }

    [Fact]
    public void Any_content_change_changes_the_digest()
    {
        var a = JsonNode.Parse("""{"type":"CSharp","csharp":{"source":"x"}}""");
        var b = JsonNode.Parse("""{"type":"CSharp","csharp":{"source":"x "}}""");

        Assert.NotEqual(SkillDigest.Compute(a), SkillDigest.Compute(b));
    }
}
