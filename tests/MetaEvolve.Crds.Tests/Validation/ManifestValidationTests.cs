using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Crds.Generation;
using MetaEvolve.Crds.Validation;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Crds.Tests.Validation;

/// <summary>
/// The samples and the invalid manifests under tests/manifests, checked against the real CRDs, both as
/// checked in (crds/*.yaml) and as generated in code.
/// </summary>
public class ManifestValidationTests
{
    private static readonly Dictionary<string, CustomResourceValidator> FromYaml =
        Directory.GetFiles(RepositoryRoot.Combine("crds"), "*.yaml")
            .Select(file => KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(file)))
            .ToDictionary(crd => crd.Spec.Names.Kind, crd => new CustomResourceValidator(crd, ApiGroup.Version));

    private static readonly Dictionary<string, CustomResourceValidator> FromCode =
        CrdManifests.Generate().ToDictionary(crd => crd.Spec.Names.Kind, crd => new CustomResourceValidator(crd, ApiGroup.Version));

    private static readonly (string Source, Dictionary<string, CustomResourceValidator> Validators)[] Sources =
        [("checked-in", FromYaml), ("generated", FromCode)];

    public static TheoryData<string> Samples => Files("samples");

    public static TheoryData<string> InvalidManifests => Files("tests", "manifests", "invalid");

    public static TheoryData<string> Kinds => [.. FromYaml.Keys.Order()];

    [Theory, MemberData(nameof(Kinds))]
    public void Every_crd_is_one_the_api_server_would_admit_as_far_as_rules_and_patterns_go(string kind)
    {
        foreach (var (source, validators) in Sources)
        {
            var errors = validators[kind].SchemaErrors;
            Assert.True(errors.Count == 0, $"{kind} ({source}):\n{string.Join("\n", errors)}");
        }
    }

    [Theory, MemberData(nameof(Samples))]
    public void Every_metaevolve_resource_in_the_samples_is_valid(string file)
    {
        foreach (var resource in Documents(RepositoryRoot.Combine("samples", file)).Where(IsOurs))
        {
            foreach (var (source, validators) in Sources)
            {
                var result = validators[Kind(resource)].Validate(resource);
                Assert.True(result.IsValid, $"samples/{file} against the {source} CRD: {result}");
            }
        }
    }

    [Fact]
    public void The_samples_hold_every_kind()
    {
        var kinds = Samples.SelectMany(row => Documents(RepositoryRoot.Combine("samples", row.Data))).Select(Kind).ToHashSet();

        Assert.Superset(new HashSet<string> { "Agent", "Skill", "AgentPool" }, kinds);
    }

    [Theory, MemberData(nameof(InvalidManifests))]
    public void Every_invalid_manifest_is_rejected_naming_its_field(string file)
    {
        var path = RepositoryRoot.Combine("tests", "manifests", "invalid", file);
        var (expectedField, expectedMessage) = Expectation(path);
        var resource = Assert.Single(Documents(path));

        foreach (var (source, validators) in Sources)
        {
            var result = validators[Kind(resource)].Validate(resource);
            Assert.False(result.IsValid, $"{file} was accepted by the {source} CRD");

            var matching = result.Errors.Where(e => SameField(e.Field, expectedField)).ToList();
            Assert.True(matching.Count > 0, $"{file} against the {source} CRD: expected an error on {expectedField}, got {result}");
            if (expectedMessage is not null)
            {
                Assert.Contains(matching, e => e.ToString().Contains(expectedMessage, StringComparison.Ordinal));
            }
        }
    }

    /// <summary>
    /// Map entries are <c>limits[cpu]</c> in Kubernetes' field.Path and <c>limits.cpu</c> in the
    /// kube-openapi messages a real server prints for CRD schemas; the manifests may use either.
    /// </summary>
    private static bool SameField(string actual, string expected) =>
        actual == (expected == "<root>" ? "" : expected)
        || System.Text.RegularExpressions.Regex.Replace(actual, @"\[([^\]0-9][^\]]*)\]", ".$1") == expected;

    private static (string Field, string? Message) Expectation(string path)
    {
        var header = File.ReadLines(path).TakeWhile(line => line.StartsWith('#')).ToList();
        string? Value(string key) => header
            .Where(line => line.StartsWith($"# {key}:", StringComparison.Ordinal))
            .Select(line => line[(key.Length + 3)..].Trim())
            .FirstOrDefault();

        return (Value("expect") ?? throw new InvalidOperationException($"{path} has no '# expect:' line"), Value("message"));
    }

    private static List<JsonObject> Documents(string path) =>
        [.. System.Text.RegularExpressions.Regex.Split(File.ReadAllText(path), @"^---\s*$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Where(doc => doc.Split('\n').Any(line => line.Length > 0 && !line.StartsWith('#') && !string.IsNullOrWhiteSpace(line)))
            .Select(doc => JsonNode.Parse(KubernetesJson.Serialize(KubernetesYaml.Deserialize<Dictionary<string, object>>(doc)))!.AsObject())];

    private static bool IsOurs(JsonObject resource) =>
        resource["apiVersion"]?.GetValue<string>() == ApiGroup.ApiVersion;

    private static string Kind(JsonObject resource) => resource["kind"]?.GetValue<string>() ?? "";

    /// <summary>The YAML files under the directory, subdirectories included (samples/evolution), relative to it.</summary>
    private static TheoryData<string> Files(params string[] directory) =>
        [.. Directory.GetFiles(RepositoryRoot.Combine(directory), "*.yaml", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(RepositoryRoot.Combine(directory), file)).Order(StringComparer.Ordinal)];
}
