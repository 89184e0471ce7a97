using System.Text.Json;

namespace MetaEvolve.Cli.Tests;

/// <summary>The table <c>metaevolve skill proposals</c> prints, from a listing as the gateway answers it.</summary>
public sealed class SkillProposalPrinterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static async Task<string[]> PrintAsync(string listing)
    {
        using var output = new StringWriter();
        using var document = JsonDocument.Parse(listing);
        await new SkillProposalPrinter(output, json: false, Now).ListAsync(document.RootElement);
        return output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(7199, "119m")]
    [InlineData(7200, "2h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(-5, "0s")]
    public void Age_is_shown_in_its_largest_whole_unit_as_kubectl_does(int seconds, string expected) =>
        Assert.Equal(expected, SkillProposalPrinter.Age(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public async Task Columns_line_up_and_a_rejected_proposal_without_diagnostics_shows_its_message()
    {
        var lines = await PrintAsync("""
            {"items": [
              {"id": "0a1b2c3d-0000-0000-0000-000000000001", "agent": "writer", "skill": "letter-count", "version": "1.0.1",
               "state": "Rejected", "reason": null, "message": "superseded by a newer proposal", "diagnostics": [],
               "decidedBy": null, "createdAt": "2026-12-06T11:00:00+00:00"},
              {"id": "ffeeddcc-0000-0000-0000-000000000002", "agent": "a", "skill": "s", "version": "10.20.30",
               "state": "Refused", "reason": "RateLimited", "message": "20 proposals in the last hour", "diagnostics": [],
               "decidedBy": null, "createdAt": "2026-12-03T12:00:00+00:00"}
            ]}
            """);

        Assert.Equal(
        [
            "ID         AGENT    SKILL          VERSION    STATE      REASON        DECIDED-BY   AGE",
            "0a1b2c3d   writer   letter-count   1.0.1      Rejected   -             -            60m",
            "    superseded by a newer proposal",
            "ffeeddcc   a        s              10.20.30   Refused    RateLimited   -            3d",
        ], lines);
    }

    [Fact]
    public async Task An_empty_listing_says_so() =>
        Assert.Equal(["No skill proposals."], await PrintAsync("""{"items": []}"""));
}
