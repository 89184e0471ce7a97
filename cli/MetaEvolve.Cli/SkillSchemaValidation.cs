using System.Text.Json.Nodes;
using MetaEvolve.Crds;

namespace MetaEvolve.Cli;

/// <summary>
/// Schema validation of a Skill manifest before anything is compiled.
/// TODO(merge): replace the body with the shared MetaEvolve.Crds.Validation.CustomResourceValidator once it is
/// on main; until then only the resource's identity is checked here and the typed read catches shape errors.
/// </summary>
internal static class SkillSchemaValidation
{
    public static (JsonObject Object, IReadOnlyList<(string Field, string Code, string Message)> Errors) Validate(JsonObject manifest)
    {
        var errors = new List<(string, string, string)>();
        if (manifest["apiVersion"]?.GetValueKind() != System.Text.Json.JsonValueKind.String
            || (string?)manifest["apiVersion"] != ApiGroup.ApiVersion)
        {
            errors.Add(("apiVersion", "FieldValueInvalid", $"apiVersion must be {ApiGroup.ApiVersion}"));
        }

        if (manifest["kind"]?.GetValueKind() != System.Text.Json.JsonValueKind.String || (string?)manifest["kind"] != V1Alpha1Skill.KubeKind)
        {
            errors.Add(("kind", "FieldValueInvalid", $"kind must be {V1Alpha1Skill.KubeKind}"));
        }

        return (manifest, errors);
    }
}
