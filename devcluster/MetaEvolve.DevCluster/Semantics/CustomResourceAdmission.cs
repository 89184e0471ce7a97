using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Crds.Validation;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// Validates and defaults custom resources with the project's shared validator (schema, defaults,
/// unknown fields, CEL), as the API server does before storing them. Rejections are 422 Invalid with
/// one cause per field, so kubectl prints "The AgentPool "x" is invalid: spec…: Invalid value: …".
/// Unknown fields follow <c>fieldValidation</c>: Strict fails with 400 like strict decoding, Warn prunes
/// and warns, Ignore prunes. Built-ins pass through: they have no published schema here.
/// </summary>
public sealed class CustomResourceAdmission : IObjectAdmission
{
    private readonly ConcurrentDictionary<string, CustomResourceValidator> _validators = new(StringComparer.Ordinal);

    public (JsonObject Object, IReadOnlyList<string> Warnings) Admit(ResourceType type, JsonObject obj, FieldValidation fieldValidation)
    {
        if (type.Crd is null || type.Schema is null)
        {
            return (obj, []);
        }

        var validator = Validator(type);
        var warnings = new List<string>();
        ValidationResult result;
        if (fieldValidation == FieldValidation.Strict)
        {
            result = validator.Validate(obj, UnknownFieldHandling.Reject);
            var unknown = result.Errors.Where(e => e.Type == FieldErrorType.UnknownField).ToList();
            if (unknown.Count > 0)
            {
                throw ApiException.BadRequest(
                    $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: {string.Join(", ", unknown.Select(e => e.Body))}");
            }
        }
        else
        {
            if (fieldValidation == FieldValidation.Warn)
            {
                warnings.AddRange(validator.Validate(obj, UnknownFieldHandling.Reject).Errors
                    .Where(e => e.Type == FieldErrorType.UnknownField).Select(e => e.Body));
            }

            result = validator.Validate(obj, UnknownFieldHandling.Prune);
        }

        if (!result.IsValid)
        {
            throw ApiException.Invalid(type, ObjectMeta.Name(obj),
                result.Errors.Select(e => e.ToStatusCause())
                    // Errors on the object itself (root CEL rules) carry the path "<nil>", as a real server prints them.
                    .Select(c => new FieldCause(c.Reason, c.Message, string.IsNullOrEmpty(c.Field) ? "<nil>" : c.Field)).ToList());
        }

        return (result.Object, warnings);
    }

    private CustomResourceValidator Validator(ResourceType type)
    {
        // A CRD update changes its resourceVersion, so a stale validator is never used again.
        var key = $"{(string?)type.Crd!["metadata"]?["uid"]}/{(string?)type.Crd["metadata"]?["resourceVersion"]}/{type.Version}";
        return _validators.GetOrAdd(key, _ =>
            new CustomResourceValidator(KubernetesJson.Deserialize<V1CustomResourceDefinition>(type.Crd.ToJsonString()), type.Version));
    }
}
