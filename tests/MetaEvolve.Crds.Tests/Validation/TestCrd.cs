using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Crds.Tests.Validation;

/// <summary>Small CRDs and objects for validator tests, written as YAML and JSON text or built in code.</summary>
internal static class TestCrd
{
    public const string Version = "v1alpha1";

    /// <summary>A validator for a Widget CRD whose openAPIV3Schema is <paramref name="rootSchemaYaml"/>.</summary>
    public static CustomResourceValidator Validator(string rootSchemaYaml) =>
        new(FromYaml(CrdYaml(rootSchemaYaml)), Version);

    /// <summary>A validator for a Widget CRD whose root schema is an object with just <c>spec</c>.</summary>
    public static CustomResourceValidator ForSpec(string specSchemaYaml) =>
        Validator($"""
            type: object
            properties:
              spec:
            {Indent(specSchemaYaml, 4)}
            """);

    public static V1CustomResourceDefinition FromYaml(string yaml) =>
        KubernetesYaml.Deserialize<V1CustomResourceDefinition>(yaml);

    public static V1CustomResourceDefinition InCode(V1JSONSchemaProps rootSchema) => new()
    {
        ApiVersion = "apiextensions.k8s.io/v1",
        Kind = "CustomResourceDefinition",
        Metadata = new V1ObjectMeta { Name = "widgets.example.com" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = "example.com",
            Scope = "Namespaced",
            Names = new V1CustomResourceDefinitionNames { Kind = "Widget", Plural = "widgets" },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = Version,
                    Served = true,
                    Storage = true,
                    Schema = new V1CustomResourceValidation { OpenAPIV3Schema = rootSchema },
                },
            ],
        },
    };

    /// <summary>A Widget named <c>w</c> with <paramref name="specJson"/> as its spec.</summary>
    public static JsonObject WithSpec(string specJson) =>
        Object($$"""{"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {{specJson}}}""");

    public static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();

    public static string[] Messages(this ValidationResult result) => [.. result.Errors.Select(e => e.ToString())];

    private static string CrdYaml(string rootSchemaYaml) => $"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names:
            kind: Widget
            plural: widgets
          versions:
          - name: {Version}
            served: true
            storage: true
            schema:
              openAPIV3Schema:
        {Indent(rootSchemaYaml, 8)}
        """;

    private static string Indent(string yaml, int spaces) =>
        string.Join('\n', yaml.Split('\n').Select(line => new string(' ', spaces) + line));
}
