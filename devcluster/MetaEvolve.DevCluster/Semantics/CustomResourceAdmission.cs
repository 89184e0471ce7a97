using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>Temporary: admits everything until the shared validator lands.</summary>
public sealed class CustomResourceAdmission : IObjectAdmission
{
    public (JsonObject Object, IReadOnlyList<string> Warnings) Admit(ResourceType type, JsonObject obj, FieldValidation fieldValidation) => (obj, []);
}
