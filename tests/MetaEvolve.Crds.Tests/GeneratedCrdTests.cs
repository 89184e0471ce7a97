using k8s;
using k8s.Models;
using MetaEvolve.Crds.Generation;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Crds.Tests;

public class GeneratedCrdTests
{
    private static readonly IReadOnlyDictionary<string, string> Rendered = CrdManifests.Render();

    // The generated objects, not the YAML read back: there, nested schemas are plain dictionaries.
    private static readonly Dictionary<string, V1CustomResourceDefinition> Generated =
        CrdManifests.Generate().ToDictionary(CrdManifests.FileName);

    public static TheoryData<string> CrdFiles => new(Rendered.Keys);

    private static V1CustomResourceDefinition Load(string file) => Generated[file];

    [Theory, MemberData(nameof(CrdFiles))]
    public void Checked_in_yaml_reads_back_as_the_generated_crd(string file)
    {
        var readBack = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(Rendered[file]);
        Assert.Equal(Generated[file].Metadata.Name, readBack.Metadata.Name);
        Assert.Equal(
            Generated[file].Spec.Versions[0].Schema.OpenAPIV3Schema.Properties.Keys,
            readBack.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties.Keys);
    }

    [Theory, MemberData(nameof(CrdFiles))]
    public void Checked_in_crd_matches_what_the_types_generate(string file)
    {
        var checkedIn = File.ReadAllText(RepositoryRoot.Combine("crds", file));
        Assert.True(checkedIn == Rendered[file], $"crds/{file} is stale: run `make manifests` and commit the result.");
    }

    [Theory, MemberData(nameof(CrdFiles))]
    public void Every_property_has_a_description(string file)
    {
        var missing = Walk(Load(file).Spec.Versions[0].Schema.OpenAPIV3Schema, "")
            .Where(node => string.IsNullOrWhiteSpace(node.Schema.Description) && !node.IsItems)
            .Select(node => node.Path)
            .ToList();
        Assert.Empty(missing);
    }

    [Theory, MemberData(nameof(CrdFiles))]
    public void Schema_is_structural_with_a_type_on_every_node(string file)
    {
        foreach (var node in Walk(Load(file).Spec.Versions[0].Schema.OpenAPIV3Schema, ""))
        {
            Assert.True(node.Schema.Type is not null || node.Schema.XKubernetesIntOrString == true, $"{node.Path} has no type");
            Assert.NotEqual(true, node.Schema.XKubernetesPreserveUnknownFields);
        }
    }

    [Fact]
    public void AgentPool_serves_scale_and_status_subresources_and_printer_columns()
    {
        var crd = Load("metaevolve.io_agentpools.yaml");
        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal(".spec.replicas", version.Subresources.Scale.SpecReplicasPath);
        Assert.Equal(".status.replicas", version.Subresources.Scale.StatusReplicasPath);
        Assert.Equal(".status.selector", version.Subresources.Scale.LabelSelectorPath);
        Assert.NotNull(version.Subresources.Status);
        Assert.Equal(["Mode", "Min", "Max", "Ready", "Desired", "Pending", "InFlight", "Status", "Region", "Age"],
            version.AdditionalPrinterColumns.Select(c => c.Name));
        Assert.Equal(["ap"], crd.Spec.Names.ShortNames);
        Assert.Equal(["metaevolve"], crd.Spec.Names.Categories);
    }

    [Theory]
    [InlineData("metaevolve.io_agents.yaml", "ag")]
    [InlineData("metaevolve.io_skills.yaml", "sk")]
    [InlineData("metaevolve.io_agentpools.yaml", "ap")]
    public void Every_resource_restricts_its_name_to_a_short_dns_label(string file, string shortName)
    {
        var crd = Load(file);
        Assert.Equal([shortName], crd.Spec.Names.ShortNames);
        var rule = Assert.Single(crd.Spec.Versions[0].Schema.OpenAPIV3Schema.XKubernetesValidations);
        Assert.Contains("self.metadata.name.size() <= 50", rule.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Pod_template_fields_carry_upstream_schemas_and_descriptions()
    {
        var template = Load("metaevolve.io_agentpools.yaml").Spec.Versions[0].Schema.OpenAPIV3Schema
            .Properties["spec"].Properties["template"];
        var env = template.Properties["env"];
        var envVar = (V1JSONSchemaProps)env.Items;
        Assert.Equal(["name"], envVar.Required);
        Assert.StartsWith("Name of the environment variable.", envVar.Properties["name"].Description, StringComparison.Ordinal);
        Assert.Equal("map", env.XKubernetesListType);

        var limits = (V1JSONSchemaProps)template.Properties["resources"].Properties["limits"].AdditionalProperties;
        Assert.True(limits.XKubernetesIntOrString);
        Assert.NotNull(limits.Pattern);
        Assert.NotNull(template.Properties["affinity"].Properties["nodeAffinity"]);
    }

    [Fact]
    public void Resources_serialize_with_wire_names_and_enum_strings()
    {
        var skill = new V1Alpha1Skill
        {
            Metadata = new V1ObjectMeta { Name = "x" },
            Spec = new V1Alpha1SkillSpec
            {
                Type = SkillType.CSharp,
                Tests = [new SkillTestCase { Function = "f", Expect = new SkillExpectation { EqualTo = "1" } }],
            },
        };
        var json = KubernetesJson.Serialize(skill);
        Assert.Contains("\"type\":\"CSharp\"", json, StringComparison.Ordinal);
        Assert.Contains("\"expect\":{\"equals\":\"1\"}", json, StringComparison.Ordinal);
        Assert.Contains("\"apiVersion\":\"metaevolve.io/v1alpha1\"", json, StringComparison.Ordinal);
        var back = KubernetesJson.Deserialize<V1Alpha1Skill>(json);
        Assert.Equal("1", back.Spec.Tests![0].Expect.EqualTo);
    }

    private sealed record Node(string Path, V1JSONSchemaProps Schema, bool IsItems);

    private static IEnumerable<Node> Walk(V1JSONSchemaProps schema, string path, bool isItems = false)
    {
        yield return new Node(path.Length == 0 ? "<root>" : path, schema, isItems);
        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            foreach (var node in Walk(child, $"{path}.{name}"))
            {
                yield return node;
            }
        }

        if (schema.Items is V1JSONSchemaProps items)
        {
            foreach (var node in Walk(items, path + "[]", isItems: true))
            {
                yield return node;
            }
        }

        if (schema.AdditionalProperties is V1JSONSchemaProps values)
        {
            foreach (var node in Walk(values, path + "{}", isItems: true))
            {
                yield return node;
            }
        }
    }
}
