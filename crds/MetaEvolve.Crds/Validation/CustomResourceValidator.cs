using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// Validates custom resources against one version of a CRD the way kube-apiserver does on create:
/// prune (or reject) unknown fields, apply schema defaults, check the OpenAPI schema, then evaluate
/// the CEL rules. Built once per CRD version (patterns and rules compile here) and safe to share
/// between threads; cache one per CRD version rather than building one per request.
/// </summary>
/// <example>
/// <code>
/// var validator = new CustomResourceValidator(KubernetesYaml.Deserialize&lt;V1CustomResourceDefinition&gt;(crdYaml), "v1alpha1");
/// var result = validator.Validate(JsonNode.Parse(json)!.AsObject());
/// if (!result.IsValid) { /* 422 with result.Errors.Select(e => e.ToStatusCause()), or print each error */ }
/// else { /* store result.Object: pruned and defaulted */ }
/// </code>
/// </example>
public sealed class CustomResourceValidator
{
    private readonly SchemaNode schema;

    /// <param name="crd">The CustomResourceDefinition, loaded from YAML or built in code.</param>
    /// <param name="version">The version whose schema applies, e.g. <c>v1alpha1</c>.</param>
    /// <exception cref="ArgumentException">The CRD has no such version, or that version has no schema.</exception>
    public CustomResourceValidator(V1CustomResourceDefinition crd, string version)
    {
        ArgumentNullException.ThrowIfNull(crd);
        var spec = crd.Spec ?? throw new ArgumentException($"CRD {crd.Metadata?.Name} has no spec", nameof(crd));
        var versions = spec.Versions ?? [];
        var index = versions.ToList().FindIndex(v => v.Name == version);
        var served = index >= 0 ? versions[index]
            : throw new ArgumentException($"CRD {crd.Metadata?.Name} has no version {version}", nameof(version));
        var openApi = served.Schema?.OpenAPIV3Schema
            ?? throw new ArgumentException($"CRD {crd.Metadata?.Name} version {version} has no openAPIV3Schema", nameof(crd));

        // Defaults and enums arrive as whatever CLR types the YAML or JSON reader chose; going through
        // JSON once makes every value a JsonNode.
        var json = JsonNode.Parse(KubernetesJson.Serialize(openApi)) as JsonObject
            ?? throw new ArgumentException($"CRD {crd.Metadata?.Name} version {version} has an empty schema", nameof(crd));
        schema = SchemaNode.Parse(json, $"spec.versions[{index}].schema.openAPIV3Schema", isResource: true);
        SchemaErrors = [.. FindSchemaErrors(schema)];
        Group = spec.Group ?? "";
        Version = version;
        Kind = spec.Names?.Kind ?? "";
    }

    public string Group { get; }
    public string Version { get; }
    public string Kind { get; }

    /// <summary>
    /// Problems in the CRD itself that the API server would refuse it for: CEL rules that do not compile
    /// or select fields the schema does not declare, and patterns that are not regular expressions. Each
    /// also fails validation of any object that reaches it; this list lets a test check a CRD up front.
    /// </summary>
    public IReadOnlyList<FieldError> SchemaErrors { get; }

    /// <summary>
    /// Validates <paramref name="obj"/> (left untouched) and returns the pruned, defaulted copy with all
    /// errors. Never throws for anything in the object or the CRD's rules.
    /// </summary>
    /// <remarks>
    /// With <see cref="UnknownFieldHandling.Reject"/>, unknown fields end validation the way strict
    /// decoding ends an API request: the result then holds only the unknown-field errors (and the pruned,
    /// not yet defaulted, copy). Transition rules (those reading <c>oldSelf</c>) are skipped: this is
    /// create-time validation.
    /// </remarks>
    public ValidationResult Validate(JsonObject obj, UnknownFieldHandling handling = UnknownFieldHandling.Reject)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var copy = (JsonObject)obj.DeepClone();

        // Strict decoding fails the request before defaulting and validation ever run.
        var unknown = UnknownFieldPruner.Prune(copy, schema);
        if (handling == UnknownFieldHandling.Reject && unknown.Count > 0)
        {
            return new ValidationResult(copy, [.. unknown.Select(path => new FieldError(FieldErrorType.UnknownField, path, null, ""))]);
        }

        SchemaDefaulter.Apply(copy, schema);
        var errors = ObjectMetaValidator.Validate(copy);
        errors.AddRange(SchemaValueValidator.Validate(copy, schema));
        if (schema.HasRules)
        {
            // Like the API server, skip CEL when the object has the wrong shape: rules would fail on it
            // with confusing messages.
            if (errors.Exists(IsBlocking))
            {
                errors.Add(new FieldError(FieldErrorType.Invalid, "", null,
                    "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"));
            }
            else
            {
                errors.AddRange(CelRuleValidator.Validate(copy, schema));
            }
        }

        return new ValidationResult(copy, errors);
    }

    private static IEnumerable<FieldError> FindSchemaErrors(SchemaNode root)
    {
        foreach (var node in root.SelfAndDescendants())
        {
            if (node.PatternError is not null)
            {
                yield return new FieldError(FieldErrorType.Invalid, $"{node.SchemaPath}.pattern", node.Pattern, node.PatternError);
            }

            foreach (var rule in node.Rules.Where(r => r.CompileError is not null))
            {
                yield return new FieldError(FieldErrorType.Invalid, $"{rule.SchemaPath}.rule", rule.Rule, $"compilation failed: {rule.CompileError}");
            }
        }
    }

    private static bool IsBlocking(FieldError error) => error.Type is FieldErrorType.NotSupported
        or FieldErrorType.Required or FieldErrorType.TooLong or FieldErrorType.TooMany or FieldErrorType.TypeInvalid;
}
