using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Crds;

namespace MetaEvolve.Cli;

/// <summary>A Skill read from a manifest file: the typed resource, its defaulted JSON, and positions in the file.</summary>
internal sealed class SkillManifest
{
    private SkillManifest(YamlManifest yaml, JsonObject json, V1Alpha1Skill skill)
    {
        Yaml = yaml;
        Json = json;
        Skill = skill;
    }

    public YamlManifest Yaml { get; }

    /// <summary>The resource after schema defaulting (what the API server would store).</summary>
    public JsonObject Json { get; }

    public V1Alpha1Skill Skill { get; }

    /// <summary>Reads and validates a Skill manifest; rejections come back positioned in the file.</summary>
    public static (SkillManifest? Manifest, IReadOnlyList<ManifestDiagnostic> Diagnostics) Load(string text)
    {
        YamlManifest yaml;
        try
        {
            yaml = YamlManifest.Parse(text);
        }
        catch (YamlManifestException exception)
        {
            return (null, [new ManifestDiagnostic(exception.Line, exception.Column, "YAML", exception.Message)]);
        }

        var validation = SkillSchemaValidation.Validate(yaml.Json);
        if (validation.Errors.Count > 0)
        {
            return (null, [.. validation.Errors.Select(e => Positioned(yaml, e.Field, e.Code, e.Message))]);
        }

        V1Alpha1Skill skill;
        try
        {
            skill = KubernetesJson.Deserialize<V1Alpha1Skill>(validation.Object.ToJsonString());
        }
        catch (JsonException exception)
        {
            var field = exception.Path is { Length: > 2 } path ? path[2..] : "";
            return (null, [Positioned(yaml, field, "Schema", exception.Message)]);
        }

        return (new SkillManifest(yaml, validation.Object, skill), []);
    }

    private static ManifestDiagnostic Positioned(YamlManifest yaml, string field, string code, string message)
    {
        var (line, column) = yaml.PositionOf(field);
        return new ManifestDiagnostic(line, column, code, message);
    }
}
