using System.Text.Json.Nodes;
using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

public class ObjectMetaValidatorTests
{
    private static List<FieldError> Validate(string metadataJson) =>
        ObjectMetaValidator.Validate(new JsonObject { ["metadata"] = JsonNode.Parse(metadataJson) });

    [Fact]
    public void A_name_with_capitals_and_underscores_is_rejected_like_the_api_server_does()
    {
        var error = Assert.Single(Validate("""{"name":"Bad_Name"}"""));
        Assert.StartsWith(
            "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters",
            error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_name_is_required_unless_generate_name_is_given()
    {
        Assert.Equal("metadata.name", Assert.Single(Validate("{}")).Field);
        Assert.Empty(Validate("""{"generateName":"pool-"}"""));
    }

    [Fact]
    public void A_namespace_must_be_a_dns_label()
    {
        Assert.Equal("metadata.namespace", Assert.Single(Validate("""{"name":"a","namespace":"team.a"}""")).Field);
        Assert.Empty(Validate("""{"name":"a.b-c","namespace":"team-a"}"""));
    }

    [Fact]
    public void Label_keys_and_values_are_checked()
    {
        Assert.Empty(Validate("""{"name":"a","labels":{"app.kubernetes.io/name":"metaevolve","tier":""}}"""));
        Assert.Equal(2, Validate("""{"name":"a","labels":{"-bad":"ok","good":"not ok!"}}""").Count);
    }
}
