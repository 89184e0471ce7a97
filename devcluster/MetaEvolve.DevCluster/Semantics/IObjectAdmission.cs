using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>How strictly unknown fields are treated (the <c>fieldValidation</c> query parameter).</summary>
public enum FieldValidation
{
    Strict,
    Warn,
    Ignore,
}

/// <summary>
/// Validates and defaults an object before it is stored (custom resources through their CRD schema).
/// Returns the object to store and any warnings; throws <see cref="ApiException"/> (422 Invalid) to reject.
/// </summary>
public interface IObjectAdmission
{
    public (JsonObject Object, IReadOnlyList<string> Warnings) Admit(ResourceType type, JsonObject obj, FieldValidation fieldValidation);
}
