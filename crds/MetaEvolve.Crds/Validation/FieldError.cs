using System.Text.Json.Nodes;
using k8s.Models;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// One validation failure, shaped like Kubernetes' <c>field.Error</c> and printed the same way, e.g.
/// <c>spec.autoscaling.maxReplicas: Invalid value: 0: spec.autoscaling.maxReplicas in body should be greater than or equal to 1</c>.
/// </summary>
/// <param name="Type">What kind of failure this is.</param>
/// <param name="Field">Dotted path from the object's root, <c>[i]</c> for list items and <c>[key]</c> for map
/// entries; empty when the error concerns no single field (printed as <c>&lt;nil&gt;</c> like Kubernetes).</param>
/// <param name="BadValue">The offending value as the API server would print it (for type and CEL errors
/// the schema type name, as Kubernetes does), or null.</param>
/// <param name="Detail">The explanation after the value; may be empty.</param>
public sealed record FieldError(FieldErrorType Type, string Field, JsonNode? BadValue, string Detail)
{
    /// <summary>
    /// The message without the field path, as the API server puts it in <c>details.causes[].message</c>
    /// (Kubernetes' <c>ErrorBody()</c>).
    /// </summary>
    public string Body
    {
        get
        {
            if (Type == FieldErrorType.UnknownField)
            {
                return $"unknown field {BadValueText.Quote(Field)}";
            }

            var body = Type switch
            {
                // Kubernetes leaves the value out of these.
                FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong => Type.Phrase(),
                _ => $"{Type.Phrase()}: {BadValueText.Format(BadValue)}",
            };
            return Detail.Length == 0 ? body : $"{body}: {Detail}";
        }
    }

    /// <summary>The cause the API server lists in a 422 Invalid status for this error.</summary>
    public V1StatusCause ToStatusCause() => new()
    {
        Reason = Type.CauseReason(),
        Field = Field,
        Message = Body,
    };

    /// <summary>The error as the API server prints it: <c>field: body</c>.</summary>
    public override string ToString() =>
        Type == FieldErrorType.UnknownField ? Body : $"{(Field.Length == 0 ? "<nil>" : Field)}: {Body}";
}
