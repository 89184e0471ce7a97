using System.Text.Json.Nodes;
using k8s.Models;
using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

/// <summary>A CRD behaves the same whether it was read from YAML or built from KubernetesClient's models.</summary>
public class CrdSourceTests
{
    private const string SchemaYaml = """
        type: object
        properties:
          spec:
            type: object
            default: {}
            required: [provider]
            x-kubernetes-validations:
            - rule: self.replicas <= 10
              message: at most 10 replicas
            properties:
              provider: {type: string, enum: [OpenAI, Ollama], default: OpenAI}
              replicas: {type: integer, default: 3, minimum: 1}
              ratio: {type: number, default: 0.5}
              enabled: {type: boolean, default: true}
              tags: {type: array, items: {type: string}, default: [a, b]}
              options: {type: object, additionalProperties: {type: integer}, default: {x: 1}}
        """;

    private static CustomResourceValidator FromCode()
    {
        var spec = new V1JSONSchemaProps
        {
            Type = "object",
            DefaultProperty = new Dictionary<string, object>(),
            Required = ["provider"],
            XKubernetesValidations = [new V1ValidationRule { Rule = "self.replicas <= 10", Message = "at most 10 replicas" }],
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["provider"] = new() { Type = "string", EnumProperty = ["OpenAI", "Ollama"], DefaultProperty = "OpenAI" },
                ["replicas"] = new() { Type = "integer", DefaultProperty = 3, Minimum = 1 },
                ["ratio"] = new() { Type = "number", DefaultProperty = 0.5 },
                ["enabled"] = new() { Type = "boolean", DefaultProperty = true },
                ["tags"] = new() { Type = "array", Items = new V1JSONSchemaProps { Type = "string" }, DefaultProperty = new List<object> { "a", "b" } },
                ["options"] = new()
                {
                    Type = "object",
                    AdditionalProperties = new V1JSONSchemaProps { Type = "integer" },
                    DefaultProperty = new Dictionary<string, object> { ["x"] = 1L },
                },
            },
        };
        var root = new V1JSONSchemaProps { Type = "object", Properties = new Dictionary<string, V1JSONSchemaProps> { ["spec"] = spec } };
        return new CustomResourceValidator(TestCrd.InCode(root), TestCrd.Version);
    }

    public static TheoryData<string> Sources => ["yaml", "code"];

    private static CustomResourceValidator Validator(string source) =>
        source == "yaml" ? TestCrd.Validator(SchemaYaml) : FromCode();

    [Theory]
    [MemberData(nameof(Sources))]
    public void Defaults_of_every_type_are_applied(string source)
    {
        var result = Validator(source).Validate(TestCrd.Object("""{"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "w"}}"""));

        Assert.Empty(result.Messages());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"provider": "OpenAI", "replicas": 3, "ratio": 0.5, "enabled": true, "tags": ["a", "b"], "options": {"x": 1}}"""),
            result.Object["spec"]));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Enums_ranges_map_values_and_rules_are_checked(string source)
    {
        var validator = Validator(source);

        Assert.Contains(
            "spec.provider: Unsupported value: \"Azure\": supported values: \"OpenAI\", \"Ollama\"",
            validator.Validate(TestCrd.WithSpec("""{"provider": "Azure"}""")).Messages());
        Assert.Equal(
            ["spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"],
            validator.Validate(TestCrd.WithSpec("""{"replicas": 0}""")).Messages());
        Assert.Contains(
            "spec.options[y]: Invalid value: \"string\": spec.options[y] in body must be of type integer: \"string\"",
            validator.Validate(TestCrd.WithSpec("""{"options": {"y": "two"}}""")).Messages());
        Assert.Equal(
            ["spec: Invalid value: \"object\": at most 10 replicas"],
            validator.Validate(TestCrd.WithSpec("""{"replicas": 11}""")).Messages());
    }

    [Fact]
    public void A_version_the_crd_does_not_have_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => new CustomResourceValidator(TestCrd.FromYaml(TestCrdYaml()), "v2"));

    [Fact]
    public void The_validator_names_the_resource_it_validates()
    {
        var validator = TestCrd.Validator(SchemaYaml);

        Assert.Equal(("example.com", "v1alpha1", "Widget"), (validator.Group, validator.Version, validator.Kind));
    }

    private static string TestCrdYaml() => """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {kind: Widget, plural: widgets}
          versions:
          - name: v1alpha1
            served: true
            storage: true
            schema:
              openAPIV3Schema: {type: object}
        """;
}
