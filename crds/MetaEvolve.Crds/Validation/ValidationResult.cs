using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>The outcome of validating one custom resource.</summary>
/// <param name="Object">A copy of the input, pruned of unknown fields and with schema defaults applied.</param>
/// <param name="Errors">Every field error, in the order the API server would find them.</param>
#pragma warning disable CA1720 // "Object" is the name the dev API server and the CLI were promised.
public sealed record ValidationResult(JsonObject Object, IReadOnlyList<FieldError> Errors)
#pragma warning restore CA1720
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>All errors on one line, joined as the API server joins them in its message.</summary>
    public override string ToString() => IsValid
        ? "valid"
        : Errors.Count == 1 ? Errors[0].ToString() : $"[{string.Join(", ", Errors)}]";
}
