using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Evolution;

namespace MetaEvolve.Core.Tests.Skills.Evolution;

public sealed class ProposalResultTests
{
    [Fact]
    public void Rejection_reads_as_the_compiler_wrote_it_with_no_HTML_escapes()
    {
        const string Message = "'string' does not contain a definition for 'Lenght'; List<int> & Größe";
        var json = ProposalResult.Rejected([SkillDiagnostic.AnError("CS1061", 8, 43, Message)]).ToJson();

        // A model matches the text it reads against its source: \u0027Lenght\u0027 would first need decoding.
        Assert.Contains(Message, json, StringComparison.Ordinal);
        Assert.DoesNotContain(@"\u", json, StringComparison.Ordinal);
        var diagnostic = JsonNode.Parse(json)!["diagnostics"]![0]!;
        Assert.Equal((Message, "CS1061", 8), ((string?)diagnostic["message"], (string?)diagnostic["code"], (int?)diagnostic["line"]));
    }

    [Fact]
    public void Fields_without_a_value_are_left_out()
    {
        var json = JsonNode.Parse(ProposalResult.Refused(ProposalRefusals.TooLarge, "source is 70000 bytes").ToJson())!.AsObject();

        Assert.Equal(["state", "reason", "message"], json.Select(p => p.Key));
    }
}
