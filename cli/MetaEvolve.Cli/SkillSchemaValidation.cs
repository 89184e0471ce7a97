using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Validation;

namespace MetaEvolve.Cli;

/// <summary>
/// Schema validation of a Skill manifest before anything is compiled: the shared validator with the
/// checked-in Skill CRD (the same structural schema, defaults and CEL rules the API server applies), with
/// unknown fields rejected as <c>kubectl apply</c>'s strict field validation does.
/// </summary>
internal static class SkillSchemaValidation
{
    private static readonly Lazy<CustomResourceValidator> Validator = new(() =>
    {
        using var stream = typeof(SkillSchemaValidation).Assembly.GetManifestResourceStream("metaevolve.io_skills.yaml")
            ?? throw new InvalidOperationException("the Skill CRD is not embedded in the CLI");
        using var reader = new StreamReader(stream);
        return new CustomResourceValidator(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(reader.ReadToEnd()), ApiGroup.Version);
    });

    public static (JsonObject Object, IReadOnlyList<(string Field, string Code, string Message)> Errors) Validate(JsonObject manifest)
    {
        // The API server picks the schema by the resource's group, version and kind; a manifest of
        // anything else is not a Skill at all.
        var errors = new List<(string, string, string)>();
        if (Text(manifest["apiVersion"]) != ApiGroup.ApiVersion)
        {
            errors.Add(("apiVersion", "FieldValueNotSupported", $"apiVersion: Unsupported value: {Quote(manifest["apiVersion"])}: supported values: \"{ApiGroup.ApiVersion}\""));
        }

        if (Text(manifest["kind"]) != V1Alpha1Skill.KubeKind)
        {
            errors.Add(("kind", "FieldValueNotSupported", $"kind: Unsupported value: {Quote(manifest["kind"])}: supported values: \"{V1Alpha1Skill.KubeKind}\""));
        }

        if (errors.Count > 0)
        {
            return (manifest, errors);
        }

        var result = Validator.Value.Validate(manifest, UnknownFieldHandling.Reject);
        return (result.Object, [.. result.Errors.Select(e => (e.Field, e.Type.CauseReason(), e.ToString()))]);
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? (string?)node : null;

    private static string Quote(JsonNode? node) => node?.ToJsonString() ?? "null";
}
