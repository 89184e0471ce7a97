using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.DevCluster.Manifests;

namespace MetaEvolve.Cli.Tests;

/// <summary>
/// <c>metaevolve skill export</c> prints a file to commit and apply: fields under their wire names, so the API server
/// keeps them, and a final newline.
/// </summary>
public sealed class SkillExportYamlTests
{
    [Fact]
    public void The_exported_skill_names_its_fields_as_the_crd_does_and_ends_in_a_newline()
    {
        var skill = new V1Alpha1Skill
        {
            Metadata = new V1ObjectMeta { Name = "letter-count", NamespaceProperty = "default" },
            Spec = new V1Alpha1SkillSpec
            {
                Type = SkillType.CSharp,
                Version = "1.0.0",
                CSharp = new CSharpSkill { Source = "public sealed class Letters\n{\n}\n" },
                Tests = [new SkillTestCase { Function = "Count", Arguments = new Dictionary<string, string> { ["text"] = "hello" }, Expect = new SkillExpectation { EqualTo = "5" } }],
            },
        };

        var yaml = SkillExportCommand.Yaml(skill, adopt: false);

        var read = Assert.Single(ManifestReader.Read(yaml));
        Assert.Equal("public sealed class Letters\n{\n}\n", (string?)read["spec"]!["csharp"]!["source"]);
        Assert.Equal("5", (string?)read["spec"]!["tests"]![0]!["expect"]!["equals"]);
        Assert.EndsWith("\n", yaml, StringComparison.Ordinal);
    }
}
