namespace MetaEvolve.Crds.Schema;

// Attributes the CRD generator reads from the API types. Descriptions, required fields, ranges, lengths
// and patterns use System.ComponentModel(.DataAnnotations); what those cannot say lives here.

/// <summary>The schema default, as JSON text (`"Hpa"`, `1`, `{}`), applied by the API server when the field is absent.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SchemaDefaultAttribute(string json) : Attribute
{
    public string Json { get; } = json;
}

/// <summary>A CEL rule (`x-kubernetes-validations`) evaluated with `self` bound to the annotated object or property.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;

    /// <summary>Where the error points, relative to the annotated object (for example `.maxReplicas`).</summary>
    public string? FieldPath { get; init; }
}

/// <summary>A map-typed list (`x-kubernetes-list-type: map`): items are merged by these keys on apply.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeysAttribute(params string[] keys) : Attribute
{
    public IReadOnlyList<string> Keys { get; } = keys;
}
