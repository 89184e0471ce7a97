using MetaEvolve.Core.Skills.Evolution;

namespace MetaEvolve.Core.Tests.Skills.Evolution;

public sealed class SkillVersionBumpTests
{
    [Fact]
    public void A_skill_with_no_known_version_starts_at_1_0_0() =>
        Assert.Equal("1.0.0", SkillVersionBump.Next([]));

    [Theory]
    [InlineData("1.0.0", "1.0.1")]
    [InlineData("1.2", "1.2.1")]
    [InlineData("v2", "v2.0.1")]
    [InlineData("1.0.9-rc.1", "1.0.10")]
    [InlineData("3.4.5+build.7", "3.4.6")]
    public void The_next_version_is_the_next_patch(string latest, string next) =>
        Assert.Equal(next, SkillVersionBump.Next([latest]));

    [Fact]
    public void The_newest_known_version_wins_and_unreadable_ones_are_ignored() =>
        Assert.Equal("1.10.1", SkillVersionBump.Next(["1.9.3", "not-a-version", null, "1.10.0", "1.2.7"]));

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("v1", true)]
    [InlineData("1.0.0.0", false)]
    [InlineData("latest", false)]
    public void Valid_versions_follow_the_Skill_schema(string version, bool valid) =>
        Assert.Equal(valid, SkillVersionBump.IsValid(version));
}
